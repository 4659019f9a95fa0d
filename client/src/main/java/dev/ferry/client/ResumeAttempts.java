package dev.ferry.client;

import dev.ferry.client.SessionState.Phase;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.protocol.ProtocolVersion;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the {@link Move} in progress: tries its paths one after another (connect, RESUME,
 * wait for WELCOME(resumed)), goes on to the next path when one fails, makes
 * {@link ClientOptions#resumeAttempts()} passes with a back-off of {@code resumeBackoff × pass}
 * between them, and asks a server that says CLAIM_PENDING again after a pause. The
 * {@link MigrationFollower} and the {@link Reconnector} both move the session through it; what
 * the end of a move means is theirs to say ({@link Purpose}).
 *
 * <p>Event-loop state: resume connections are opened on the session's event loop, so their
 * frames, connect results and the timers here all run there too.
 */
final class ResumeAttempts {
    private static final Logger log = LoggerFactory.getLogger(ResumeAttempts.class);

    /** Why the session is moving decides what the end of the move means. */
    interface Purpose {
        /** The session lives on its new server now ({@link SessionState} says so); finish the move. */
        void resumed(Hop hop);

        /** A server answered SESSION_EXPIRED: the session's context is gone. */
        void expired(Move mv, String where, Frame.Error e);

        /** Every pass over every path failed. */
        void allPathsFailed(Move mv);
    }

    /**
     * A completed move: the session went from {@code source} to {@code target}.
     *
     * @param pauseNanos   from reading MIGRATE to reading WELCOME(resumed)
     * @param connectNanos the part of it until the connection to the target that resumed it opened
     */
    record Hop(
            Move move,
            Channel source,
            Channel target,
            String fromServer,
            String fromAddress,
            long pauseNanos,
            long connectNanos,
            Frame.Welcome welcome) {
        /** Tells the source the session resumed elsewhere and closes it; just closes it if it is already gone. */
        void leaveSource() {
            if (source != null && source.isActive()) {
                source.writeAndFlush(new Frame.Goodbye(GoodbyeReason.MOVED, "resumed on " + welcome.serverName()))
                        .addListener(ChannelFutureListener.CLOSE);
            } else if (source != null) {
                source.close();
            }
        }
    }

    private final SessionEngine engine;
    private final SessionState state;
    private final CommandQueue commands;
    private final ClientOptions options;
    private final ClientMetrics metrics;
    private final EventLoop loop;
    private final Bootstrap bootstrap;

    private Move move;
    private Purpose purpose;

    ResumeAttempts(
            SessionEngine engine,
            SessionState state,
            CommandQueue commands,
            ClientOptions options,
            ClientMetrics metrics,
            EventLoop loop,
            Bootstrap bootstrap) {
        this.engine = engine;
        this.state = state;
        this.commands = commands;
        this.options = options;
        this.metrics = metrics;
        this.loop = loop;
        this.bootstrap = bootstrap;
    }

    /** The move in progress, or null. */
    Move current() {
        return move;
    }

    /** Makes {@code mv} the move in progress; {@link #tryNextPath} starts it. */
    void begin(Move mv, Purpose why) {
        move = mv;
        purpose = why;
    }

    /** The move ended without its attempts: forget it (its attempt must already be dropped). */
    void clear() {
        move = null;
        purpose = null;
    }

    /** Drops the attempt under way, if any, and forgets the move, so late events of its connection are ignored. */
    void drop() {
        move.dropAttempt();
        clear();
    }

    boolean isAttempt(Channel ch) {
        return move != null && ch == move.attempt;
    }

    void tryNextPath(Move mv) {
        if (move != mv) return;
        String again = mv.askAgain;
        if (again != null) {
            // CLAIM_PENDING: the same server again, by name, whatever a newer MIGRATE did to the path list.
            mv.askAgain = null;
            attempt(mv, again);
            return;
        }
        if (mv.nextPath >= mv.paths.size()) {
            mv.pass++;
            if (mv.pass < options.resumeAttempts()) {
                mv.nextPath = 0;
                long delay = options.resumeBackoff().toMillis() * mv.pass;
                mv.timer = loop.schedule(() -> tryNextPath(mv), delay, TimeUnit.MILLISECONDS);
            } else {
                purpose.allPathsFailed(mv);
            }
            return;
        }
        attempt(mv, mv.paths.get(mv.nextPath++));
    }

    private void attempt(Move mv, String address) {
        HostPort hp;
        try {
            hp = HostPort.parse(address);
        } catch (IllegalArgumentException e) {
            metrics.resumeFailed();
            mv.tried.add(address + ": " + e.getMessage());
            tryNextPath(mv);
            return;
        }
        ChannelFuture cf = bootstrap.connect(hp.host(), hp.port());
        mv.attempt = cf.channel();
        mv.attemptAddress = address;
        cf.addListener((ChannelFuture f) -> onAttemptConnected(mv, f));
    }

    private void onAttemptConnected(Move mv, ChannelFuture f) {
        if (move != mv || mv.attempt != f.channel()) {
            f.channel().close();
            return;
        }
        if (!f.isSuccess()) {
            mv.attempt = null;
            failAttempt(mv, mv.attemptAddress + ": cannot connect (" + f.cause() + ")");
            return;
        }
        mv.attemptConnectedNanos = System.nanoTime();
        int attentionRequestId = commands.attentionForResume();
        f.channel()
                .writeAndFlush(
                        new Frame.Resume(ProtocolVersion.CURRENT, state.sessionId, state.token, attentionRequestId));
        Channel attempt = f.channel();
        mv.timer = loop.schedule(
                () -> {
                    if (move == mv && mv.attempt == attempt) {
                        mv.attempt = null;
                        attempt.close();
                        failAttempt(mv, mv.attemptAddress + ": no answer to RESUME within " + options.connectTimeout());
                    }
                },
                options.connectTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** The attempt's connection closed before its WELCOME. */
    void onAttemptClosed() {
        Move mv = move;
        mv.attempt = null;
        failAttempt(mv, mv.attemptAddress + ": connection closed before WELCOME");
    }

    /** Records a failed attempt (already detached from {@code mv.attempt}) and goes on to the next path. */
    private void failAttempt(Move mv, String what) {
        mv.cancelTimer();
        metrics.resumeFailed();
        mv.tried.add(what);
        log.debug("session {}: resume attempt failed: {}", state.sessionId, what);
        tryNextPath(mv);
    }

    /** A frame on the attempt's connection: the answer to its RESUME. */
    void onAttemptFrame(Frame f) {
        Move mv = move;
        switch (f) {
            case Frame.Welcome w when w.resumed() && w.sessionId().equals(state.sessionId) -> completeMove(mv, w);
            case Frame.Error e -> onResumeError(mv, e);
            case Frame.Goodbye g ->
                log.debug(
                        "session {}: GOODBYE({}) from resume target {}: {}",
                        state.sessionId,
                        g.reason(),
                        mv.attemptAddress,
                        g.text());
            default -> {
                Channel a = mv.attempt;
                mv.attempt = null;
                a.close();
                failAttempt(mv, mv.attemptAddress + ": answered RESUME with " + describe(f));
            }
        }
    }

    private static String describe(Frame f) {
        return f instanceof Frame.Welcome w
                ? "WELCOME(resumed=" + w.resumed() + ", session " + w.sessionId() + ")"
                : f.type().toString();
    }

    private void onResumeError(Move mv, Frame.Error e) {
        String where = mv.attemptAddress;
        Channel a = mv.attempt;
        mv.attempt = null;
        mv.cancelTimer();
        a.close();
        switch (e.code()) {
            case SESSION_EXPIRED -> {
                metrics.resumeFailed();
                purpose.expired(mv, where, e);
            }
            case BAD_TOKEN -> {
                metrics.resumeFailed();
                engine.failSession(new ResumeRefusedException(
                        ErrorCode.BAD_TOKEN,
                        "session " + state.sessionId + ": " + where + " refused the resume token (BAD_TOKEN: "
                                + e.text() + ")" + engine.outstandingNote()));
            }
            case MIGRATION_CANCELLED -> {
                metrics.resumeFailed();
                mv.cancelledBySource = true;
                if (state.channel != null && state.channel.isActive()) {
                    // The source claimed the session back: the migration is being cancelled. Stay.
                    state.phase = Phase.AWAITING_CANCEL;
                    log.debug(
                            "session {}: {} says MIGRATION_CANCELLED; staying on {} until MIGRATE_CANCEL",
                            state.sessionId,
                            where,
                            state.serverAddress);
                } else {
                    engine.failSession(new SessionLostException("session " + state.sessionId
                            + ": the source took the session back ("
                            + where + " answered MIGRATION_CANCELLED: " + e.text() + ") but its connection is closed"
                            + engine.outstandingNote()));
                }
            }
            case CLAIM_PENDING -> {
                // Another server claimed it for an attempt of ours that never got its WELCOME; it confirms
                // within its deadline or, if it died, this server takes the session over once that passes.
                long now = System.nanoTime();
                if (mv.claimPendingSinceNanos == 0) mv.claimPendingSinceNanos = now;
                mv.claimedElsewhere = true;
                if (now - mv.claimPendingSinceNanos < options.claimWait().toNanos()) {
                    mv.claimPendingRetries++;
                    mv.askAgain = where; // the same path again, after a pause
                    long delay = Math.min(
                            1000,
                            Math.max(50, options.resumeBackoff().toMillis())
                                    << Math.min(4, mv.claimPendingRetries - 1));
                    log.debug(
                            "session {}: {} says CLAIM_PENDING ({}); asking again in {} ms",
                            state.sessionId,
                            where,
                            e.text(),
                            delay);
                    mv.timer = loop.schedule(() -> tryNextPath(mv), delay, TimeUnit.MILLISECONDS);
                } else {
                    failAttempt(
                            mv,
                            where + ": CLAIM_PENDING for longer than the claim wait of " + options.claimWait() + " ("
                                    + e.text() + ")");
                }
            }
            case ALREADY_CLAIMED -> {
                // Usually a race: a target claimed the context for an attempt this client had given up on, and
                // puts it back. Try again like any failed path; give up only when every pass says so.
                mv.claimedElsewhere = true;
                failAttempt(mv, where + ": ALREADY_CLAIMED (" + e.text() + ")");
            }
            default -> failAttempt(mv, where + ": " + e.code() + " (" + e.text() + ")");
        }
    }

    private void completeMove(Move mv, Frame.Welcome w) {
        mv.cancelTimer();
        Purpose why = purpose;
        Hop hop = new Hop(
                mv,
                state.channel,
                mv.attempt,
                state.serverName,
                state.serverAddress,
                System.nanoTime() - mv.startNanos,
                mv.attemptConnectedNanos - mv.startNanos,
                w);
        clear();
        state.resumedOn(hop.target(), mv.attemptAddress, w);
        why.resumed(hop);
    }
}
