package dev.ferry.client;

import dev.ferry.client.SessionState.Phase;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.protocol.SessionId;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol state machine of one session (docs/protocol.md, "Session rules"), as a few parts
 * this class wires together and hands the events of the session's connections to:
 * <ul>
 *   <li>{@link SessionState}: phase, connection, server, resume token; what callers may read;</li>
 *   <li>{@link SessionOpener}: HELLO → WELCOME on the service address;</li>
 *   <li>{@link CommandQueue}: the outstanding commands in request order, their frames, and which are re-sent after a move;</li>
 *   <li>{@link ResumeAttempts}: the {@link Move} in progress, path after path, RESUME → WELCOME, with back-off;</li>
 *   <li>{@link MigrationFollower}: MIGRATE, MIGRATE_CANCEL, and what a completed or failed migration means;</li>
 *   <li>{@link Reconnector}: a connection lost with no migration, resumed from a write-through save or lost.</li>
 * </ul>
 * Ending the session ({@link #failSession}, {@link #closeAsync}) stays here, since it touches every part.
 *
 * <p><b>Threads.</b> A session lives on one event loop, {@code loop}, which the client picked from
 * its group. The bootstrap is cloned onto that loop, so every connection of the session (the
 * service connection, each resume attempt) is registered on it: the {@link SessionChannelHandler}
 * callbacks, the connect and write listeners, and the timers ({@code loop.schedule}: handshake,
 * RESUME answer, back-off between passes, CLAIM_PENDING pause) all run on that one thread. Every
 * part is confined to it: they share state and call each other directly, without locks, and
 * nothing here blocks.
 *
 * <p>Callers on other threads come in only through {@link #open}, {@link #submit}, {@link #cancel},
 * and {@link #closeAsync}, which hop onto the loop ({@link #runOnLoop});
 * once the loop refuses tasks (the client is shut down) they end their own future or stream and
 * touch no session state. They read only the volatile fields of {@link SessionState}, each on its
 * own. What goes back to them goes through {@link ResultStream} (its own lock) and completed
 * futures; the {@link MigrationListener} is called on the loop.
 */
final class SessionEngine {
    private static final Logger log = LoggerFactory.getLogger(SessionEngine.class);

    private final ClientMetrics metrics;
    private final EventLoop loop;
    private final SessionState state = new SessionState();
    private final CommandQueue commands;
    private final SessionOpener opener;
    private final ResumeAttempts attempts;
    private final MigrationFollower follower;
    private final Reconnector reconnector;

    SessionEngine(ClientOptions options, ClientMetrics metrics, EventLoop loop, Bootstrap template) {
        this.metrics = metrics;
        this.loop = loop;
        Bootstrap bootstrap =
                template.clone(loop).handler(new SessionChannelInitializer(this, options.maxFrameLength()));
        this.commands = new CommandQueue(options, metrics, state);
        this.opener = new SessionOpener(state, commands, options, metrics, loop, bootstrap);
        this.attempts = new ResumeAttempts(this, state, commands, options, metrics, loop, bootstrap);
        this.follower = new MigrationFollower(this, state, commands, attempts, options, metrics);
        this.reconnector = new Reconnector(this, state, commands, attempts, options, metrics);
    }

    SessionId sessionId() {
        return state.sessionId;
    }

    String serverName() {
        return state.serverName;
    }

    String serverAddress() {
        return state.serverAddress;
    }

    int migrations() {
        return state.migrations;
    }

    /** The id of the MIGRATE the move under way follows (0: no move), read on the session's event loop. */
    java.util.concurrent.Future<Integer> movingMigrationId() {
        return loop.submit(() -> attempts.current() == null ? 0 : attempts.current().migrationId);
    }

    FerryException failure() {
        return state.failure;
    }

    void listener(MigrationListener l) {
        state.listener = l;
    }

    // =====================================================================================
    // Calls from user threads
    // =====================================================================================

    /** Connects to the service address and sends HELLO; completes at WELCOME. */
    CompletableFuture<Void> open() {
        CompletableFuture<Void> opened = opener.expectOpened();
        if (!runOnLoop(opener::connect)) {
            opened.completeExceptionally(new ConnectFailedException(null, "the client is closed", null));
        }
        return opened;
    }

    void submit(ResultStream stream, int id, String command) {
        Request r = new Request(stream, id, command);
        if (!runOnLoop(() -> commands.submit(r))) {
            stream.finish(
                    0, false, false, new FerryException("the client is closed; " + r.describe() + " was not sent"));
        }
    }

    /** Hands several requests to the loop in one task (a pipelined batch), in order. */
    void submitAll(List<Request> batch) {
        if (!runOnLoop(() -> batch.forEach(commands::submit))) {
            for (Request r : batch) {
                r.stream.finish(
                        0, false, false, new FerryException("the client is closed; " + r.describe() + " was not sent"));
            }
        }
    }

    void cancel(ResultStream stream) {
        runOnLoop(() -> commands.cancel(stream));
    }

    CompletableFuture<Void> closeAsync() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!runOnLoop(() -> onClose(done))) done.complete(null);
        return done;
    }

    private boolean runOnLoop(Runnable task) {
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    // =====================================================================================
    // Connection events (from SessionChannelHandler, on the loop)
    // =====================================================================================

    void onFrame(Channel ch, Frame f) {
        if (attempts.isAttempt(ch)) {
            attempts.onAttemptFrame(f);
            return;
        }
        if (ch != state.channel) {
            log.debug("session {}: ignoring {} from a connection the session has left", state.sessionId, f.type());
            return;
        }
        switch (state.phase) {
            case CONNECTING -> opener.onFrame(f);
            case OPEN, MOVING, AWAITING_CANCEL -> onSessionFrame(f);
            case FAILED, CLOSED -> {}
        }
    }

    void onInactive(Channel ch) {
        if (attempts.isAttempt(ch)) {
            attempts.onAttemptClosed();
            return;
        }
        if (ch != state.channel) return;
        switch (state.phase) {
            case CONNECTING -> opener.onConnectionClosed();
            case OPEN -> reconnector.onConnectionLost();
            case MOVING -> follower.onSourceClosedWhileMoving();
            case AWAITING_CANCEL -> follower.onSourceClosedWhileAwaitingCancel();
            case FAILED, CLOSED -> {}
        }
    }

    void onException(Channel ch, Throwable cause) {
        if (ch == state.channel) state.lastCause = cause;
        if (attempts.isAttempt(ch)) {
            log.debug(
                    "session {}: resume attempt to {} failed: {}",
                    state.sessionId,
                    attempts.current().attemptAddress,
                    cause.toString());
        } else if (ch == state.channel) {
            log.warn("session {}: connection to {} failed: {}", state.sessionId, state.serverAddress, cause.toString());
        } else {
            // A server the session has left (it may reset the connection once it read GOODBYE(MOVED)).
            log.debug("session {}: connection to a server it has left: {}", state.sessionId, cause.toString());
        }
    }

    /** A frame on the connection the session lives on, once it is open. */
    private void onSessionFrame(Frame f) {
        switch (f) {
            case Frame.Row r -> commands.onRow(r);
            case Frame.Message m -> commands.onMessage(m);
            case Frame.Done d -> commands.onDone(d);
            case Frame.Deferred d -> commands.onDeferred(d);
            case Frame.Migrate m -> follower.onMigrate(m);
            case Frame.MigrateCancel c -> follower.onMigrateCancel(c);
            case Frame.Goodbye g -> {
                state.lastGoodbye = g;
                log.debug(
                        "session {}: GOODBYE({}) from {}: {}",
                        state.sessionId,
                        g.reason(),
                        state.serverAddress,
                        g.text());
            }
            case Frame.Error e when e.requestId() != 0 -> commands.onError(e);
            case Frame.Error e -> {
                state.lastError = e;
                log.warn("session {}: {} reported {}: {}", state.sessionId, state.serverAddress, e.code(), e.text());
            }
            default ->
                log.warn("session {}: unexpected {} from {}; ignored", state.sessionId, f.type(), state.serverAddress);
        }
    }

    // =====================================================================================
    // Endings
    // =====================================================================================

    /** What the user can know about the outstanding requests when the session ends. */
    String outstandingNote() {
        return commands.outstandingNote(attempts.current() != null);
    }

    void failSession(FerryException e) {
        if (state.ended()) return;
        if (attempts.current() != null) {
            metrics.migrationFailed();
            attempts.drop();
        }
        state.phase = Phase.FAILED;
        state.failure = e;
        metrics.sessionLost();
        log.warn(e.getMessage());
        commands.fail(e);
        if (state.channel != null) state.channel.close();
    }

    private void onClose(CompletableFuture<Void> done) {
        if (state.phase == Phase.CLOSED) {
            done.complete(null);
            return;
        }
        Phase was = state.phase;
        state.phase = Phase.CLOSED;
        opener.cancelTimer();
        if (attempts.current() != null) attempts.drop();
        if (state.failure == null) state.failure = new FerryException("session " + state.sessionId + " is closed");
        for (Request r : commands.takeAll()) {
            r.stream.finish(
                    r.nextSeq,
                    false,
                    false,
                    new FerryException(
                            "session " + state.sessionId + " was closed while " + r.describe() + " was outstanding"));
        }
        opener.abandon();
        Channel ch = state.channel;
        if (ch == null) {
            done.complete(null);
            return;
        }
        ch.closeFuture().addListener(f -> done.complete(null));
        if (ch.isActive() && was != Phase.FAILED && was != Phase.CONNECTING) {
            ch.writeAndFlush(new Frame.Goodbye(GoodbyeReason.CLOSE, "")).addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }
}
