package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.protocol.DoneFlags;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.protocol.ResumeToken;
import dev.ferry.protocol.SessionId;
import dev.ferry.protocol.Severity;
import dev.ferry.protocol.codec.FrameDecoder;
import dev.ferry.protocol.codec.FrameEncoder;
import dev.ferry.store.InMemoryContextStore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Throws random and mutated frame sequences at a real {@link FerryServer} over TCP on 127.0.0.1.
 *
 * <p>Each of {@value #CONNECTIONS} connections (seeded, so a finding names its seed) opens with a
 * HELLO, a HELLO of an unsupported version, a RESUME of a random or live session with a random
 * token, a frame that is not allowed first, or raw garbage; a HELLO session then sends up to a few
 * hundred COMMAND and ATTENTION frames, sprinkled with mutated frames, and ends cleanly, with a
 * frame not allowed from a client, a malformed or over-long frame, garbage, a GOODBYE, or half a
 * frame, sometimes followed by more input that the server must ignore. The bytes go out in random
 * TCP writes. A reference run of the same bytes through a {@link FrameDecoder} predicts what the
 * server must do, and the test checks it:
 * <ul>
 *   <li>a protocol violation gets exactly one ERROR frame (requestId 0, the predicted code, a text),
 *       nothing after it, and the connection closes;</li>
 *   <li>a GOODBYE closes the connection without an ERROR;</li>
 *   <li>a session that stays valid answers every COMMAND with rows (seq 0, 1, …) and exactly one final
 *       DONE, no frame of a request after its final DONE, and still answers a last command;</li>
 *   <li>what the server sends always decodes;</li>
 * </ul>
 * and at the end: sessions held open through the campaign still work, the session count returns to
 * 0, a fresh session works, and the paranoid leak detector reported no ByteBuf leak.
 *
 * <p>Every run draws a new campaign seed and logs it ({@code server fuzz: campaign seed N}), so runs
 * cover new inputs instead of replaying one fixed campaign. {@code -Dferry.fuzz.seed=N} reruns
 * campaign N exactly; {@code -Dferry.fuzz.replay=SEED} runs only the one connection a finding names.
 */
class ServerFuzzTest {
    private static final Logger log = LoggerFactory.getLogger(ServerFuzzTest.class);
    private static final int CONNECTIONS = 4_000;
    private static final int WORKERS = 8;
    private static final int IDLE_SESSIONS = 50;
    private static final int HANDSHAKE_PROBES = 10;
    private static final int CAP = 64 * 1024;
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** The campaign: random per run, or the one given with -Dferry.fuzz.seed=N (logged either way). */
    private static final long SEED = Long.getLong("ferry.fuzz.seed", new SecureRandom().nextLong());
    /** -Dferry.fuzz.replay=SEED runs only that connection (a seed from a finding). */
    private static final Long REPLAY = Long.getLong("ferry.fuzz.replay");

    /** Answers each command with one row (the command text) and a final DONE. */
    static final class EchoHandler implements SessionHandler {
        @Override
        public void onCommand(Session session, Request request) {
            request.row(request.command());
            request.done();
        }

        @Override
        public void onMigrateResume(Session session, Request request) {
            request.done();
        }
    }

    private final LongAdder segmentsSent = new LongAdder();
    private final LongAdder framesDecodedByServer = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder framesReceived = new LongAdder();
    private final Map<String, AtomicInteger> outcomes = new java.util.concurrent.ConcurrentSkipListMap<>();
    private final List<String> findings = new CopyOnWriteArrayList<>();
    private final List<SessionId> liveIds = new CopyOnWriteArrayList<>();

    @Test
    void serverSurvivesRandomAndMalformedTraffic() throws Exception {
        log.info("server fuzz: campaign seed {} (rerun it with -Dferry.fuzz.seed={})", SEED, SEED);
        dev.ferry.testkit.NettyLeaks.install();
        EventLoopGroup group = ServerFuzzClient.newGroup(4);
        InMemoryContextStore store = new InMemoryContextStore();
        ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
        FerryServer server = FerryServer.start(ServerOptions.builder()
                .serverName("fuzz")
                .maxFrameLength(CAP)
                .handshakeTimeout(HANDSHAKE_TIMEOUT)
                .contextStore(store)
                .handler(new EchoHandler())
                .build());
        List<ServerFuzzClient> held = new ArrayList<>();
        try {
            InetSocketAddress address = server.localAddress();

            // Sessions that stay open through the whole campaign.
            for (int i = 0; i < IDLE_SESSIONS; i++) {
                ServerFuzzClient c = ServerFuzzClient.connect(group, address);
                held.add(c);
                c.send(new Frame.Hello(ProtocolVersion.CURRENT, "idle-" + i));
                Object w = c.next(WAIT);
                assertThat(w).as("WELCOME for idle session %d", i).isInstanceOf(Frame.Welcome.class);
                liveIds.add(((Frame.Welcome) w).sessionId());
            }
            // Connections that send half a frame header and nothing else: HANDSHAKE_TIMEOUT.
            List<ServerFuzzClient> probes = new ArrayList<>();
            for (int i = 0; i < HANDSHAKE_PROBES; i++) {
                ServerFuzzClient c = ServerFuzzClient.connect(group, address);
                probes.add(c);
                c.sendRaw(new byte[] {0, 0, 0}, 0, i % 4);
            }

            long started = System.nanoTime();
            List<Future<?>> running = new ArrayList<>();
            AtomicInteger nextConnection = new AtomicInteger();
            for (int w = 0; w < WORKERS; w++) {
                running.add(workers.submit(() -> {
                    for (int i; (i = nextConnection.getAndIncrement()) < (REPLAY == null ? CONNECTIONS : 1); ) {
                        long seed = REPLAY == null ? SEED * 1_000_003L + i : REPLAY;
                        try (ServerFuzzClient c = ServerFuzzClient.connect(group, address)) {
                            fuzzOneConnection(c, seed);
                            if (!c.clientSideErrors.isEmpty()) {
                                finding(seed, "the server sent bytes that do not decode: " + c.clientSideErrors);
                            }
                        } catch (RuntimeException | AssertionError e) {
                            finding(seed, "unexpected " + e);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) f.get(5, TimeUnit.MINUTES);
            long campaignMs = (System.nanoTime() - started) / 1_000_000;

            for (ServerFuzzClient probe : probes) {
                List<Object> seen = untilClosed(probe);
                assertThat(seen)
                        .as("a connection that never finished its first frame")
                        .anySatisfy(o -> assertThat(o)
                                .isInstanceOfSatisfying(
                                        Frame.Error.class,
                                        e -> assertThat(e.code()).isEqualTo(ErrorCode.HANDSHAKE_TIMEOUT)));
                probe.close();
            }

            // The sessions held open still work.
            for (int i = 0; i < held.size(); i++) {
                ServerFuzzClient c = held.get(i);
                c.send(new Frame.Command(1, "still there " + i));
                assertThat(c.next(WAIT)).as("idle session %d: ROW", i).isInstanceOf(Frame.Row.class);
                assertThat(c.next(WAIT))
                        .as("idle session %d: DONE", i)
                        .isInstanceOfSatisfying(
                                Frame.Done.class, d -> assertThat(d.isFinal()).isTrue());
                c.close();
            }
            held.clear();

            await().atMost(WAIT).until(() -> server.sessionCount() == 0);

            // A fresh session works after the campaign.
            try (WireClient fresh = WireClient.connect(address)) {
                fresh.hello();
                List<Frame> answer =
                        fresh.send(new Frame.Command(42, "after the storm")).untilFinal(42);
                assertThat(answer).hasSize(2);
                assertThat(answer.get(0))
                        .isInstanceOfSatisfying(
                                Frame.Row.class,
                                r -> assertThat(new String(r.data(), StandardCharsets.UTF_8))
                                        .isEqualTo("after the storm"));
            }
            await().atMost(WAIT).until(() -> server.sessionCount() == 0);

            System.out.printf(
                    "server fuzz: %,d connections (+%d held open, %d handshake probes) in %,d ms: "
                            + "%,d frames/segments sent (%,d bytes), %,d of them decoded by the server, %,d frames received%n"
                            + "outcomes: %s%n",
                    CONNECTIONS,
                    IDLE_SESSIONS,
                    HANDSHAKE_PROBES,
                    campaignMs,
                    segmentsSent.sum(),
                    bytesSent.sum(),
                    framesDecodedByServer.sum(),
                    framesReceived.sum(),
                    outcomes);
            assertThat(findings)
                    .as(
                            "findings of campaign seed %d (rerun: -Dferry.fuzz.seed=%d; one connection: "
                                    + "-Dferry.fuzz.replay=SEED)",
                            SEED, SEED)
                    .isEmpty();
            if (REPLAY == null) assertThat(segmentsSent.sum()).isGreaterThanOrEqualTo(100_000);
            assertThat(dev.ferry.testkit.NettyLeaks.collect())
                    .as("ByteBuf leaks reported while fuzzing")
                    .isEmpty();
        } finally {
            held.forEach(ServerFuzzClient::close);
            workers.shutdownNow();
            server.close();
            store.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * A client that pipelines input gets its protocol violation answered with ERROR even though its
     * bytes keep arriving: docs/protocol.md promises the ERROR ("answers with an ERROR frame whose
     * text says what was wrong, and closes"). Closing the socket at once with unread input would make
     * the server's kernel answer with a TCP reset, and the client's kernel would discard the ERROR it
     * had already received; the server half-closes and lingers instead (ConnectionHandler.close).
     */
    @Test
    void errorFrameIsNotLostWhenTheClientKeepsSending() {
        EventLoopGroup group = ServerFuzzClient.newGroup(1);
        InMemoryContextStore store = new InMemoryContextStore();
        FerryServer server = FerryServer.start(ServerOptions.builder()
                .serverName("linger")
                .contextStore(store)
                .handler(new EchoHandler())
                .build());
        try {
            int lost = 0;
            int rounds = 5;
            for (int round = 0; round < rounds; round++) {
                // A client busy elsewhere: it reads nothing until the server has closed the session.
                try (ServerFuzzClient c = ServerFuzzClient.connect(group, server.localAddress(), false)) {
                    c.send(new Frame.Hello(ProtocolVersion.CURRENT, "linger"));
                    await().atMost(WAIT).until(() -> server.sessionCount() == 1);
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    out.writeBytes(encode(new Frame.Row(1, 0, new byte[0]))); // not allowed from a client
                    for (int i = 1; i <= 2_000; i++)
                        out.writeBytes(encode(new Frame.Command(i, "pipelined command " + i)));
                    byte[] bytes = out.toByteArray();
                    c.sendRaw(bytes, 0, bytes.length);
                    await().atMost(WAIT).until(() -> server.sessionCount() == 0); // the server has closed
                    c.sendRaw(bytes, 0, 100); // still pipelining
                    c.startReading();
                    List<Object> seen = untilClosed(c);
                    if (seen.stream()
                            .noneMatch(o -> o instanceof Frame.Error e && e.code() == ErrorCode.PROTOCOL_ERROR)) {
                        lost++;
                        System.out.println("linger round " + round + ": no ERROR; client saw "
                                + seen.stream()
                                        .map(o ->
                                                o instanceof Frame f ? f.type().name() : String.valueOf(o))
                                        .toList());
                    }
                }
            }
            assertThat(lost)
                    .as("rounds out of %d in which the ERROR answering a violation never reached the client", rounds)
                    .isZero();
            await().atMost(WAIT).until(() -> server.sessionCount() == 0);
        } finally {
            server.close();
            store.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private void finding(long seed, String what) {
        if (findings.size() < 200) findings.add("seed " + seed + ": " + what);
    }

    private void outcome(String name) {
        outcomes.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
    }

    // ------------------------------------------------------------------ one connection

    /** Requests of one connection: id → command text, as far as the test knows the server took them. */
    private static final class Requests {
        final Map<Integer, String> commands = new LinkedHashMap<>();
        int nextId = 1;
    }

    private void fuzzOneConnection(ServerFuzzClient c, long seed) {
        Random rnd = new Random(seed);
        Requests requests = new Requests();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean open = false;
        int segments = 0;
        int kind = rnd.nextInt(100);
        if (kind < 60) {
            c.send(new Frame.Hello(ProtocolVersion.CURRENT, text(rnd, 20)));
            segments++;
            Object w = c.next(WAIT);
            if (!(w instanceof Frame.Welcome)) {
                finding(seed, "HELLO answered with " + w);
                return;
            }
            open = true;
            int n = 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 400 : 60);
            Map<Integer, String> sentIds = new HashMap<>();
            for (int i = 0; i < n; i++, segments++) out.writeBytes(validSegment(rnd, requests, sentIds));
            int ending = rnd.nextInt(10);
            if (ending >= 4) {
                out.writeBytes(badEnding(rnd, ending, requests));
                segments++;
                if (ending <= 8 && rnd.nextBoolean()) { // more input after the fatal frame: must be ignored
                    for (int i = rnd.nextInt(20); i >= 0; i--, segments++) {
                        out.writeBytes(
                                rnd.nextBoolean()
                                        ? validSegment(rnd, requests, sentIds)
                                        : random(rnd, 1 + rnd.nextInt(40)));
                    }
                }
            }
        } else if (kind < 68) { // HELLO of a version the server does not speak
            out.writeBytes(encode(new Frame.Hello(rnd.nextBoolean() ? 0 : 2 + rnd.nextInt(0xFFFE), text(rnd, 10))));
            segments++;
        } else if (kind < 82) { // RESUME of a random or a live session, with a random token
            SessionId id = rnd.nextBoolean() || liveIds.isEmpty()
                    ? new SessionId(rnd.nextLong(), rnd.nextLong())
                    : liveIds.get(rnd.nextInt(liveIds.size()));
            byte[] token = random(rnd, ResumeToken.BYTES);
            int version = rnd.nextInt(8) == 0 ? 7 : ProtocolVersion.CURRENT;
            out.writeBytes(encode(
                    new Frame.Resume(version, id, ResumeToken.of(token), rnd.nextInt(3) == 0 ? rnd.nextInt() : 0)));
            segments++;
            if (rnd.nextInt(3) == 0) {
                out.writeBytes(
                        rnd.nextBoolean() ? encode(new Frame.Command(1, "x")) : random(rnd, 1 + rnd.nextInt(20)));
                segments++;
            }
        } else if (kind < 94) { // a first frame that is not HELLO or RESUME
            out.writeBytes(rnd.nextBoolean() ? encode(anyFrame(rnd)) : mutate(rnd, encode(anyFrame(rnd))));
            segments++;
        } else { // garbage from the first byte
            out.writeBytes(random(rnd, 1 + rnd.nextInt(100)));
            segments++;
        }
        byte[] body = out.toByteArray();
        Prediction p = predict(body, open, requests);
        segmentsSent.add(segments);
        bytesSent.add(body.length);
        framesDecodedByServer.add(p.framesDecoded);
        outcome(p.kind.name());

        for (int at = 0; at < body.length; ) { // random TCP writes
            int n = rnd.nextInt(3) == 0 ? body.length - at : 1 + rnd.nextInt(body.length - at);
            c.sendRaw(body, at, at + n);
            at += n;
        }

        Checker check = new Checker(seed, requests, open);
        switch (p.kind) {
            case ERROR, TIMEOUT -> {
                List<Object> seen = untilClosed(c);
                check.all(seen);
                List<Frame.Error> errors = seen.stream()
                        .filter(o -> o instanceof Frame.Error)
                        .map(o -> (Frame.Error) o)
                        .toList();
                if (seen.isEmpty() || seen.get(seen.size() - 1) != ServerFuzzClient.CLOSED) {
                    finding(seed, "expected ERROR " + p.codes + " and a close; got " + seen);
                } else if (errors.size() != 1) {
                    // Exactly one, also when none came: the server lingers after its ERROR, so a client
                    // still sending does not lose it to a reset (errorFrameIsNotLostWhenTheClientKeepsSending).
                    finding(
                            seed,
                            "expected exactly one ERROR " + p.codes + " (" + p.why + ", kind " + kind + ", "
                                    + body.length + " bytes); got " + tail(seen));
                } else {
                    Frame.Error e = errors.get(0);
                    if (!p.codes.contains(e.code()))
                        finding(seed, "expected ERROR " + p.codes + ", got " + e + " (" + p.why + ")");
                    if (e.requestId() != 0) finding(seed, "connection-level ERROR with requestId " + e.requestId());
                    if (e.text().isBlank()) finding(seed, "ERROR without a text: " + e);
                    if (seen.get(seen.size() - 2) != e && !(seen.get(seen.size() - 2) instanceof Throwable))
                        finding(seed, "frames after the ERROR: " + seen);
                }
            }
            case CLOSE -> {
                List<Object> seen = untilClosed(c);
                check.all(seen);
                if (seen.isEmpty() || seen.get(seen.size() - 1) != ServerFuzzClient.CLOSED)
                    finding(seed, "GOODBYE did not close: " + seen);
                if (seen.stream().anyMatch(o -> o instanceof Frame.Error))
                    finding(seed, "GOODBYE answered with an ERROR: " + seen);
            }
            case OPEN, AMBIGUOUS -> {
                int sync = 0x7000_0000 + rnd.nextInt(0x0FFF_FFFF);
                while (requests.commands.containsKey(sync)) sync++;
                c.send(new Frame.Command(sync, "sync"));
                List<Object> seen = new ArrayList<>();
                boolean synced = false;
                for (Object o; !synced && (o = c.next(WAIT)) != null; ) {
                    seen.add(o);
                    if (o == ServerFuzzClient.CLOSED) break;
                    synced = o instanceof Frame.Done d && d.requestId() == sync && d.isFinal();
                }
                if (p.kind == Prediction.Kind.OPEN) {
                    requests.commands.put(sync, "sync");
                    if (!synced) {
                        finding(seed, "a valid session did not answer the last COMMAND: " + tail(seen));
                    } else {
                        // ATTENTION DONEs come from their own thread: wait for every final DONE.
                        while (!check.allFinal(seen)) {
                            Object o = c.next(WAIT);
                            if (o == null || o == ServerFuzzClient.CLOSED) {
                                finding(seed, "requests without a final DONE: " + check.missing(seen) + "; then " + o);
                                break;
                            }
                            seen.add(o);
                        }
                    }
                }
                if (p.kind == Prediction.Kind.OPEN)
                    check.all(seen); // a reused request id makes the per-request rules moot
                else
                    check.received +=
                            (int) seen.stream().filter(o -> o instanceof Frame).count();
                if (synced && rnd.nextBoolean()) {
                    c.send(new Frame.Goodbye(GoodbyeReason.CLOSE, "bye"));
                    List<Object> rest = untilClosed(c);
                    if (rest.isEmpty() || rest.get(rest.size() - 1) != ServerFuzzClient.CLOSED)
                        finding(seed, "GOODBYE did not close: " + rest);
                }
            }
            case OPEN_WITH_PARTIAL_FRAME -> {} // nothing to wait for: the server waits for the rest; we close
        }
        framesReceived.add(check.received);
    }

    private static List<Object> untilClosed(ServerFuzzClient c) {
        List<Object> seen = new ArrayList<>();
        for (Object o; (o = c.next(WAIT)) != null; ) {
            seen.add(o);
            if (o == ServerFuzzClient.CLOSED) break;
        }
        return seen;
    }

    private static List<Object> tail(List<Object> l) {
        return l.subList(Math.max(0, l.size() - 5), l.size());
    }

    /** Per-request rules on what the server sent. */
    private final class Checker {
        final long seed;
        final Requests requests;
        final boolean welcomed;
        int received;

        Checker(long seed, Requests requests, boolean welcomed) {
            this.seed = seed;
            this.requests = requests;
            this.welcomed = welcomed;
        }

        boolean allFinal(List<Object> seen) {
            return missing(seen).isEmpty();
        }

        Set<Integer> missing(List<Object> seen) {
            Set<Integer> open = new HashSet<>(requests.commands.keySet());
            for (Object o : seen) if (o instanceof Frame.Done d && d.isFinal()) open.remove(d.requestId());
            return open;
        }

        void all(List<Object> seen) {
            Map<Integer, Long> rows = new HashMap<>();
            Set<Integer> finished = new HashSet<>();
            boolean first = !welcomed;
            for (Object o : seen) {
                if (!(o instanceof Frame)) continue; // CLOSED, or the I/O error that closed it
                received++;
                Frame f = (Frame) o;
                if (f instanceof Frame.Welcome) {
                    if (!first) finding(seed, "WELCOME not as the first frame: " + f);
                    first = false;
                    continue;
                }
                first = false;
                int id;
                switch (f) {
                    case Frame.Row r -> {
                        id = r.requestId();
                        long expected = rows.getOrDefault(id, 0L);
                        if (r.seq() != expected)
                            finding(seed, "request " + id + ": ROW seq " + r.seq() + ", expected " + expected);
                        rows.put(id, expected + 1);
                        String text = requests.commands.get(id);
                        if (text != null && !text.equals(new String(r.data(), StandardCharsets.UTF_8))) {
                            finding(seed, "request " + id + ": ROW is not the command text");
                        }
                    }
                    case Frame.Done d -> {
                        id = d.requestId();
                        if (d.isFinal() && !finished.add(id)) {
                            finding(seed, "request " + id + ": a second final DONE " + d);
                            continue;
                        }
                        if (d.isFinal() && !d.isAttention() && d.rowCount() != rows.getOrDefault(id, 0L)) {
                            finding(
                                    seed,
                                    "request " + id + ": DONE rowCount " + d.rowCount() + " after "
                                            + rows.getOrDefault(id, 0L) + " rows");
                        }
                        continue;
                    }
                    case Frame.Message m -> id = m.requestId();
                    case Frame.Error e -> {
                        continue; // connection-level ERRORs are checked by the caller
                    }
                    default -> {
                        finding(seed, "unexpected frame from the server: " + f);
                        continue;
                    }
                }
                if (finished.contains(id)) finding(seed, "request " + id + ": " + f.type() + " after its final DONE");
                if (!requests.commands.containsKey(id))
                    finding(seed, "request " + id + ": " + f.type() + " for a request never accepted");
            }
        }
    }

    // ------------------------------------------------------------------ prediction

    private record Prediction(Kind kind, Set<ErrorCode> codes, int framesDecoded, String why) {
        enum Kind {
            ERROR,
            TIMEOUT,
            CLOSE,
            OPEN,
            OPEN_WITH_PARTIAL_FRAME,
            AMBIGUOUS
        }
    }

    /**
     * Runs the bytes through a reference decoder and replays the server's connection rules on the
     * frames: what must the server answer? Records the COMMANDs it must accept in {@code requests}.
     */
    private static Prediction predict(byte[] body, boolean open, Requests requests) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(CAP));
        Throwable failure = null;
        try {
            ch.writeInbound(Unpooled.wrappedBuffer(body));
        } catch (Throwable t) {
            failure = t;
        }
        List<Frame> frames = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) frames.add((Frame) o);
        ch.finishAndReleaseAll();
        int decoded = frames.size() + (failure == null ? 0 : 1);
        int consumed = frames.stream().mapToInt(f -> encode(f).length).sum();

        boolean handshake = !open;
        boolean resuming = false;
        for (Frame f : frames) {
            if (resuming) {
                return new Prediction(
                        Prediction.Kind.ERROR,
                        EnumSet.of(ErrorCode.SESSION_EXPIRED, ErrorCode.PROTOCOL_ERROR),
                        decoded,
                        "RESUME then " + f.type() + ": whichever the server sees first");
            }
            if (handshake) {
                switch (f) {
                    case Frame.Hello h -> {
                        if (!ProtocolVersion.isSupported(h.version()))
                            return error(ErrorCode.UNSUPPORTED_VERSION, decoded, "HELLO v" + h.version());
                        handshake = false;
                    }
                    case Frame.Resume r -> {
                        if (!ProtocolVersion.isSupported(r.version()))
                            return error(ErrorCode.UNSUPPORTED_VERSION, decoded, "RESUME v" + r.version());
                        resuming = true;
                    }
                    default -> {
                        return error(ErrorCode.PROTOCOL_ERROR, decoded, f.type() + " as the first frame");
                    }
                }
                continue;
            }
            switch (f) {
                case Frame.Command cmd -> {
                    if (requests.commands.putIfAbsent(cmd.requestId(), cmd.text()) != null) {
                        return new Prediction(Prediction.Kind.AMBIGUOUS, Set.of(), decoded, "request id reused");
                    }
                }
                case Frame.Attention a -> {}
                case Frame.Goodbye g -> {
                    return new Prediction(Prediction.Kind.CLOSE, Set.of(), decoded, "GOODBYE");
                }
                default -> {
                    return error(ErrorCode.PROTOCOL_ERROR, decoded, f.type() + " from a client");
                }
            }
        }
        if (failure != null) {
            ErrorCode code =
                    failure instanceof TooLongFrameException ? ErrorCode.FRAME_TOO_LARGE : ErrorCode.PROTOCOL_ERROR;
            EnumSet<ErrorCode> codes = EnumSet.of(code);
            if (resuming) codes.add(ErrorCode.SESSION_EXPIRED);
            return new Prediction(Prediction.Kind.ERROR, codes, decoded, failure.getMessage());
        }
        if (resuming) return error(ErrorCode.SESSION_EXPIRED, decoded, "RESUME of an unknown session");
        if (handshake)
            return new Prediction(
                    Prediction.Kind.TIMEOUT,
                    EnumSet.of(ErrorCode.HANDSHAKE_TIMEOUT),
                    decoded,
                    "no complete first frame");
        return new Prediction(
                consumed < body.length ? Prediction.Kind.OPEN_WITH_PARTIAL_FRAME : Prediction.Kind.OPEN,
                Set.of(),
                decoded,
                "");
    }

    private static Prediction error(ErrorCode code, int decoded, String why) {
        return new Prediction(Prediction.Kind.ERROR, EnumSet.of(code), decoded, why);
    }

    // ------------------------------------------------------------------ generators

    private static byte[] validSegment(Random rnd, Requests requests, Map<Integer, String> sentIds) {
        int r = rnd.nextInt(100);
        if (r < 80) {
            int id = requests.nextId++;
            String text = rnd.nextInt(50) == 0 ? text(rnd, 3000) : text(rnd, 30);
            sentIds.put(id, text);
            return encode(new Frame.Command(id, text));
        }
        if (r < 97) {
            int id = !sentIds.isEmpty() && rnd.nextBoolean() ? 1 + rnd.nextInt(requests.nextId - 1) : nonZero(rnd);
            return encode(new Frame.Attention(id));
        }
        // A mutated COMMAND or ATTENTION: often still a valid frame, sometimes not.
        return mutate(
                rnd,
                encode(
                        rnd.nextBoolean()
                                ? new Frame.Attention(nonZero(rnd))
                                : new Frame.Command(requests.nextId++, text(rnd, 12))));
    }

    private static byte[] badEnding(Random rnd, int ending, Requests requests) {
        return switch (ending) {
            case 4 -> encode(rnd.nextInt(4) == 0 ? handshakeFrame(rnd) : serverFrame(rnd));
            case 5 -> mutate(rnd, encode(new Frame.Command(requests.nextId++, text(rnd, 20))));
            case 6 -> random(rnd, 1 + rnd.nextInt(64));
            case 7 ->
                encode(new Frame.Goodbye(
                        GoodbyeReason.values()[rnd.nextInt(GoodbyeReason.values().length)], text(rnd, 10)));
            case 8 -> { // a header above the cap, with some of its body
                ByteBuf b = Unpooled.buffer();
                b.writeInt(CAP + 1 + rnd.nextInt(rnd.nextBoolean() ? 10 : Integer.MAX_VALUE - CAP - 1))
                        .writeByte(3);
                b.writeBytes(random(rnd, rnd.nextInt(100)));
                byte[] out = Arrays.copyOf(b.array(), b.writerIndex());
                b.release();
                yield out;
            }
            default -> { // half a frame
                byte[] f = encode(new Frame.Command(requests.nextId++, text(rnd, 50)));
                yield Arrays.copyOf(f, 1 + rnd.nextInt(f.length - 1));
            }
        };
    }

    private static Frame anyFrame(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> new Frame.Command(nonZero(rnd), text(rnd, 10));
            case 1 -> new Frame.Attention(nonZero(rnd));
            case 2 -> new Frame.Goodbye(GoodbyeReason.CLOSE, "");
            default -> serverFrame(rnd);
        };
    }

    private static Frame handshakeFrame(Random rnd) {
        return rnd.nextBoolean()
                ? new Frame.Hello(ProtocolVersion.CURRENT, text(rnd, 8))
                : new Frame.Resume(
                        ProtocolVersion.CURRENT,
                        new SessionId(rnd.nextLong(), rnd.nextLong()),
                        ResumeToken.random(new SecureRandom()),
                        0);
    }

    private static Frame serverFrame(Random rnd) {
        int id = nonZero(rnd);
        return switch (rnd.nextInt(8)) {
            case 0 -> new Frame.Row(id, rnd.nextInt(5), random(rnd, rnd.nextInt(20)));
            case 1 -> new Frame.Message(id, Severity.values()[rnd.nextInt(3)], text(rnd, 10));
            case 2 -> new Frame.Done(id, DoneFlags.FINAL, 1);
            case 3 -> new Frame.Migrate(rnd.nextInt(), 0, rnd.nextInt(60_000), List.of("127.0.0.1:1"));
            case 4 -> new Frame.MigrateCancel(rnd.nextInt());
            case 5 -> new Frame.Deferred(id);
            case 6 -> new Frame.Error(ErrorCode.values()[rnd.nextInt(ErrorCode.values().length)], 0, text(rnd, 10));
            default ->
                new Frame.Welcome(
                        1,
                        new SessionId(rnd.nextLong(), rnd.nextLong()),
                        ResumeToken.random(new SecureRandom()),
                        "x",
                        false);
        };
    }

    private static byte[] mutate(Random rnd, byte[] b) {
        b = b.clone();
        switch (rnd.nextInt(5)) {
            case 0 -> {
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
            }
            case 1 -> { // shorter payload, patched length
                int cut = 5 + rnd.nextInt(Math.max(1, b.length - 5));
                b = Arrays.copyOf(b, Math.min(cut, b.length));
                putInt(b, b.length - 4);
            }
            case 2 -> { // trailing bytes, patched length
                b = Arrays.copyOf(b, b.length + 1 + rnd.nextInt(5));
                putInt(b, b.length - 4);
            }
            case 3 -> putInt(b, rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(CAP * 2)); // length tampering
            default -> b[4 + rnd.nextInt(b.length - 4)] = (byte) rnd.nextInt(256);
        }
        return b;
    }

    private static void putInt(byte[] b, int v) {
        b[0] = (byte) (v >>> 24);
        b[1] = (byte) (v >>> 16);
        b[2] = (byte) (v >>> 8);
        b[3] = (byte) v;
    }

    private static int nonZero(Random rnd) {
        int id = rnd.nextInt();
        return id == 0 ? 1 : id;
    }

    private static String text(Random rnd, int maxCodePoints) {
        StringBuilder sb = new StringBuilder();
        for (int i = rnd.nextInt(maxCodePoints + 1); i > 0; i--) {
            int cp = switch (rnd.nextInt(10)) {
                case 0 -> 0x80 + rnd.nextInt(0x780);
                case 1 -> 0x4E00 + rnd.nextInt(0x5000);
                case 2 -> 0x1F300 + rnd.nextInt(0x300);
                default -> 0x20 + rnd.nextInt(0x5F);
            };
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    private static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static byte[] encode(Frame f) {
        ByteBuf b = Unpooled.buffer();
        try {
            FrameEncoder.encode(f, b);
            return Arrays.copyOf(b.array(), b.writerIndex());
        } finally {
            b.release();
        }
    }
}
