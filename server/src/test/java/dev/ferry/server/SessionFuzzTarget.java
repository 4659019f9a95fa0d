package dev.ferry.server;

import static dev.ferry.server.SessionOracle.check;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.protocol.ResumeToken;
import dev.ferry.protocol.SessionId;
import dev.ferry.server.EmbeddedFleet.Link;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coverage-guided fuzzing (Jazzer) of the server's session state machine: each input is a
 * sequence of client frames (HELLO, COMMAND, ATTENTION, RESUME with right, stale or random
 * tokens, GOODBYE, frames not allowed now, garbage), server-side events (migration requests,
 * cancels, drains) — also from inside a running command — task scheduling and clock jumps, played
 * against two servers of an {@link EmbeddedFleet}. {@link SessionOracle} checks every frame the
 * servers send; after each step no exception may have reached a pipeline's end and the SDK may
 * have counted no internal error; at the end every session is gone once its connection is, and
 * every buffer the channels allocated is released (an exact per-input count; the JUnit run also
 * asks the paranoid leak detector).
 *
 * <p>In the shape standalone Jazzer runs (a campaign by {@code scripts/fuzz.sh}, bounded by
 * executions); {@link SessionCoverageFuzzTest} runs the same target under JUnit.
 */
public final class SessionFuzzTarget {
    /** -Dorg.slf4j.simpleLogger.log.dev.ferry.server.SessionFuzzTarget=debug traces steps and frames of a replayed input. */
    private static final Logger log = LoggerFactory.getLogger(SessionFuzzTarget.class);

    private static final String[] COMMANDS = {
        "ROWS 0", "ROWS 1", "ROWS 3", "ROWS 6", "SET x", "SET y", "GET", "HOLD", "RELEASE", "THROW", "FORGET", "CLOSE",
        "NOPE"
    };
    private static final Duration[] JUMPS = {
        Duration.ofMillis(1),
        Duration.ofMillis(1999),
        Duration.ofSeconds(2),
        Duration.ofSeconds(5),
        Duration.ofSeconds(31),
        Duration.ofMinutes(20)
    };
    private static final int MAX_STEPS = 48;

    private SessionFuzzTarget() {}

    /**
     * Standalone campaigns run without Netty's leak detector (its tracking costs most of the speed):
     * each input counts its own buffers exactly ({@link EmbeddedFleet#bytesInUse()}); the JUnit run
     * also has the paranoid detector.
     */
    public static void fuzzerInitialize() {}

    /** One input: a sequence of steps against a fresh fleet (write-through off, the servers' default). */
    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        play(data, false);
    }

    /** One input against a fleet whose servers save every session at its start and before each final DONE. */
    static void play(FuzzedDataProvider data, boolean writeThrough) {
        new Run(data, writeThrough).play();
    }

    /** One input: a fleet, an oracle, and the steps the data asks for. */
    private static final class Run {
        private final FuzzedDataProvider data;
        private final SessionOracle oracle;
        private final ScriptedHandler handler;
        private final EmbeddedFleet fleet;

        Run(FuzzedDataProvider data, boolean writeThrough) {
            this.data = data;
            this.oracle = new SessionOracle(writeThrough);
            this.handler = new ScriptedHandler(this::midCommand);
            this.fleet = new EmbeddedFleet(
                    handler,
                    (link, frame) -> {
                        if (log.isDebugEnabled()) log.debug("  {} sends {}", link, frame);
                        oracle.onFrame(link, frame);
                    },
                    writeThrough);
        }

        void play() {
            try (fleet) {
                for (int i = 0; i < MAX_STEPS && data.remainingBytes() > 0; i++) {
                    step(data.consumeInt(0, 15));
                    fleet.deliver();
                    check(handler.runaway() == null, handler::runaway);
                    for (ServerRuntime s : fleet.servers) {
                        check(
                                s.metrics.internalErrors() == 0,
                                () -> s.name() + " counted an internal error (see the log)");
                    }
                }
                fleet.settle(Integer.MAX_VALUE);
                oracle.checkSettled();
            }
            check(
                    fleet.bytesInUse() == 0,
                    () -> fleet.bytesInUse() + " bytes of ByteBufs not released after every channel closed");
            for (ServerRuntime s : fleet.servers) {
                check(
                        s.sessions.isEmpty(),
                        () -> s.name() + " still holds " + s.sessions.size()
                                + " sessions after every connection closed");
                check(s.metrics.internalErrors() == 0, () -> s.name() + " counted an internal error (see the log)");
            }
        }

        private void step(int op) {
            log.debug("step {}", op);
            switch (op) {
                case 0, 1 -> hello();
                case 2 -> resume();
                case 3, 4, 5 -> command();
                case 6 -> attention();
                case 7 -> fleet.settle(data.consumeInt(0, 8));
                case 8 -> fleet.settle(Integer.MAX_VALUE);
                case 9 -> requestMigration(session());
                case 10 -> {
                    ServerSession s = session();
                    if (s != null) s.cancelMigration();
                }
                case 11 -> drain();
                case 12 -> fleet.advance(data.pickValue(JUMPS));
                case 13 -> goodbyeOrVanish();
                case 14 -> violate();
                default -> {
                    ServerRuntime s = server();
                    s.serving = !s.serving;
                }
            }
        }

        // -------------------------------------------------------------- client steps

        private void hello() {
            Link link = fleet.connect(server());
            Frame hello =
                    new Frame.Hello(data.consumeBoolean() ? ProtocolVersion.CURRENT : data.consumeInt(0, 3), "fuzz");
            log.debug("  {}: {}", link, hello);
            oracle.sentOpening(link, hello);
            fleet.send(link, hello);
        }

        private void resume() {
            List<SessionOracle.Sess> known = new ArrayList<>(oracle.sessions.values());
            SessionId id;
            ResumeToken token;
            int attention = 0;
            if (known.isEmpty() || data.consumeInt(0, 7) == 0) {
                id = new SessionId(data.consumeLong(), data.consumeLong());
                token = ResumeToken.of(Arrays.copyOf(data.consumeBytes(ResumeToken.BYTES), ResumeToken.BYTES));
            } else {
                SessionOracle.Sess s = data.pickValue(known);
                id = s.id;
                token = switch (data.consumeInt(0, 3)) {
                    case 0 -> ResumeToken.of(new byte[ResumeToken.BYTES]); // wrong
                    case 1 -> data.pickValue(known).token; // another session's (or its own)
                    default -> s.token; // right
                };
                if (data.consumeBoolean()) attention = s.carriedRequest;
            }
            Link link = fleet.connect(server());
            log.debug("  {}: RESUME {} attention {}", link, id, attention);
            Frame resume = new Frame.Resume(ProtocolVersion.CURRENT, id, token, attention);
            oracle.sentOpening(link, resume);
            fleet.send(link, resume);
        }

        private void command() {
            Link link = openLink();
            if (link == null) return;
            SessionOracle.Sess s = oracle.conn(link).session;
            List<Integer> outstanding = oracle.outstanding(link);
            if (!outstanding.isEmpty() && data.consumeInt(0, 15) == 0) {
                // A request id still in use: a protocol error.
                oracle.expectError(link, ErrorCode.PROTOCOL_ERROR);
                fleet.send(link, new Frame.Command(data.pickValue(outstanding), "GET"));
                return;
            }
            int id = s.nextRequestId++;
            String command = data.pickValue(COMMANDS);
            log.debug("  {}: COMMAND {} {}", link, id, command);
            oracle.sentCommand(link, id, command);
            fleet.send(link, new Frame.Command(id, command));
        }

        private void attention() {
            Link link = openLink();
            if (link == null) return;
            List<Integer> outstanding = oracle.outstanding(link);
            int id = outstanding.isEmpty() || data.consumeBoolean()
                    ? data.consumeInt(1, 64)
                    : data.pickValue(outstanding);
            oracle.sentAttention(link, id);
            fleet.send(link, new Frame.Attention(id));
        }

        private void goodbyeOrVanish() {
            Link link = anyLink();
            if (link == null || !link.isOpen()) return;
            switch (data.consumeInt(0, 2)) {
                case 0 -> link.channel.close();
                case 1 -> sendGoodbye(link, GoodbyeReason.CLOSE);
                default -> sendGoodbye(link, GoodbyeReason.MOVED);
            }
        }

        private void sendGoodbye(Link link, GoodbyeReason reason) {
            SessionOracle.Conn c = oracle.conn(link);
            if (c.session == null || c.goodbyeSent) return;
            c.goodbyeSent = true;
            fleet.send(link, new Frame.Goodbye(reason, "fuzz"));
        }

        /** Something a client must not send: the server answers PROTOCOL_ERROR (or FRAME_TOO_LARGE) and closes. */
        private void violate() {
            Link link = anyLink();
            if (link == null || !link.isOpen()) return;
            SessionOracle.Conn c = oracle.conn(link);
            if (c.goodbyeSent || c.ended || (c.opening != null && c.session == null))
                return; // resuming: answer pending
            switch (data.consumeInt(0, 4)) {
                case 0 -> {
                    oracle.expectError(link, ErrorCode.PROTOCOL_ERROR);
                    fleet.send(link, new Frame.Done(1, 1, 0));
                }
                case 1 -> {
                    if (c.session == null) return; // before HELLO a HELLO is fine
                    oracle.expectError(link, ErrorCode.PROTOCOL_ERROR);
                    fleet.send(link, new Frame.Hello(ProtocolVersion.CURRENT, "again"));
                }
                case 2 -> {
                    oracle.expectError(link, ErrorCode.FRAME_TOO_LARGE);
                    fleet.sendRaw(
                            link,
                            link.channel
                                    .alloc()
                                    .buffer(5)
                                    .writeInt(EmbeddedFleet.MAX_FRAME + 1)
                                    .writeByte(3));
                }
                case 3 -> {
                    oracle.expectError(link, ErrorCode.PROTOCOL_ERROR);
                    fleet.sendRaw(link, link.channel.alloc().buffer(6).writeBytes(new byte[] {0, 0, 0, 2, 0x7F, 0}));
                }
                default -> {
                    if (c.session == null) return;
                    oracle.expectError(link, ErrorCode.PROTOCOL_ERROR);
                    fleet.send(link, new Frame.Resume(ProtocolVersion.CURRENT, c.session.id, c.session.token, 0));
                }
            }
        }

        // -------------------------------------------------------------- server steps

        private void requestMigration(ServerSession s) {
            if (s == null) return;
            List<String> targets = data.consumeBoolean() ? List.of("b:7000") : List.of("a:7000", "b:7000");
            s.requestMigration(targets, data.consumeInt(0, 1));
        }

        /** What a drain does to a server: no new sessions, and every session asked to leave. */
        private void drain() {
            ServerRuntime rt = server();
            rt.serving = false;
            int rotation = 0;
            for (ServerSession s : sessionsOf(rt)) s.requestMigration(List.of("a:7000", "b:7000"), rotation++);
        }

        /** Called by the handler before each row of ROWS: the fuzzer may act while a command runs. */
        private void midCommand(Session session, Request request) {
            if (data.remainingBytes() == 0) return;
            int op = data.consumeInt(0, 7);
            log.debug("  mid-command {} of request {}", op, request.id());
            switch (op) {
                case 0 -> requestMigration((ServerSession) session);
                case 1 -> session.cancelMigration();
                case 2 -> {
                    SessionOracle.Sess s = oracle.sessions.get(session.id());
                    if (s != null
                            && s.link.isOpen()
                            && !oracle.conn(s.link).ended
                            && oracle.conn(s.link).session == s) {
                        oracle.sentAttention(s.link, request.id());
                        fleet.send(s.link, new Frame.Attention(request.id()));
                    }
                }
                default -> {}
            }
        }

        // -------------------------------------------------------------- picking

        private ServerRuntime server() {
            return fleet.servers.get(data.consumeInt(0, 1));
        }

        private Link anyLink() {
            return fleet.links.isEmpty() ? null : fleet.links.get(data.consumeInt(0, fleet.links.size() - 1));
        }

        /** A connection whose session is open and that the client may still send commands on (not one it left). */
        private Link openLink() {
            Link link = anyLink();
            if (link == null || !link.isOpen()) return null;
            SessionOracle.Conn c = oracle.conn(link);
            return c.session == null || c.ended || c.goodbyeSent || c.expectedError != null || c.abandoned
                    ? null
                    : link;
        }

        private ServerSession session() {
            List<ServerSession> all = sessionsOf(server());
            return all.isEmpty() ? null : data.pickValue(all);
        }

        /** A server's sessions in the order they opened (session ids are random: their hash order is not replayable). */
        private List<ServerSession> sessionsOf(ServerRuntime rt) {
            List<ServerSession> in = new ArrayList<>();
            for (SessionId id : oracle.sessions.keySet()) {
                ServerSession s = rt.sessions.get(id);
                if (s != null) in.add(s);
            }
            return in;
        }
    }
}
