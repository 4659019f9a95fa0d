package dev.ferry.client;

import dev.ferry.client.SessionState.Phase;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the migrations the session's server asks for (docs/protocol.md, "Session rules"): on
 * MIGRATE it starts a {@link Move} to the targets, then the service address, through
 * {@link ResumeAttempts}; a second MIGRATE retargets it; MIGRATE_CANCEL ends it on the source. When
 * every path fails while the source is still open the session waits for MIGRATE_CANCEL, and
 * makes one last pass when the source closes. A completed migration is counted and reported to
 * the {@link MigrationListener}.
 *
 * <p>Event-loop state, like the rest of {@link SessionEngine}.
 */
final class MigrationFollower implements ResumeAttempts.Purpose {
    private static final Logger log = LoggerFactory.getLogger(MigrationFollower.class);

    private final SessionEngine engine;
    private final SessionState state;
    private final CommandQueue commands;
    private final ResumeAttempts attempts;
    private final ClientOptions options;
    private final ClientMetrics metrics;

    MigrationFollower(
            SessionEngine engine,
            SessionState state,
            CommandQueue commands,
            ResumeAttempts attempts,
            ClientOptions options,
            ClientMetrics metrics) {
        this.engine = engine;
        this.state = state;
        this.commands = commands;
        this.attempts = attempts;
        this.options = options;
        this.metrics = metrics;
    }

    void onMigrate(Frame.Migrate m) {
        List<String> paths = new ArrayList<>(m.targets());
        paths.add(options.serviceAddress());
        Move mv = attempts.current();
        if (mv != null) {
            if (mv.migrationId == m.migrationId()) return;
            // A new request replaces the earlier one; the pause is still measured from the first.
            log.info(
                    "session {}: migration {} replaces migration {}",
                    state.sessionId,
                    Integer.toUnsignedString(m.migrationId()),
                    Integer.toUnsignedString(mv.migrationId));
            mv.retarget(m.migrationId(), m.inBatchRequestId(), m.deadlineMillis(), paths);
        } else {
            mv = new Move(m.migrationId(), m.inBatchRequestId(), m.deadlineMillis(), paths, System.nanoTime());
            attempts.begin(mv, this);
        }
        state.phase = Phase.MOVING;
        commands.markInBatch(m.inBatchRequestId());
        log.debug(
                "session {}: MIGRATE {} from {} to {} (in-batch {}, deadline {} ms)",
                state.sessionId,
                Integer.toUnsignedString(m.migrationId()),
                state.serverAddress,
                m.targets(),
                Integer.toUnsignedString(m.inBatchRequestId()),
                m.deadlineMillis());
        commands.updateAutoRead(state.channel);
        if (mv.attempt != null) return; // its answer decides; the new targets come after it if it fails
        mv.cancelTimer(); // a back-off between passes, or a CLAIM_PENDING pause: start over on the new targets
        attempts.tryNextPath(mv);
    }

    void onMigrateCancel(Frame.MigrateCancel c) {
        Move mv = attempts.current();
        if (mv == null || mv.migrationId != c.migrationId()) {
            log.debug(
                    "session {}: MIGRATE_CANCEL {} for no migration in progress; ignored",
                    state.sessionId,
                    Integer.toUnsignedString(c.migrationId()));
            return;
        }
        attempts.drop();
        state.phase = Phase.OPEN;
        metrics.migrationCancelled();
        log.debug(
                "session {}: migration {} cancelled; staying on {}",
                state.sessionId,
                Integer.toUnsignedString(mv.migrationId),
                state.serverAddress);
        commands.stayOnSource();
        commands.updateAutoRead(state.channel);
    }

    /** The source closed while the session is moving away from it: expected, the attempts go on. */
    void onSourceClosedWhileMoving() {
        log.debug(
                "session {}: source {} closed during migration {}",
                state.sessionId,
                state.serverAddress,
                attempts.current().migrationId);
    }

    void onSourceClosedWhileAwaitingCancel() {
        Move mv = attempts.current();
        if (mv.cancelledBySource) {
            engine.failSession(
                    new SessionLostException("session " + state.sessionId + ": the source " + state.serverAddress
                            + " took the session back to cancel the migration, then closed" + state.closeDetail()
                            + " without MIGRATE_CANCEL" + engine.outstandingNote()));
            return;
        }
        // The source gave up waiting and left the context in the store: one last pass over the paths.
        log.debug("session {}: source closed after every path failed; one more pass", state.sessionId);
        state.phase = Phase.MOVING;
        mv.exhausted = false;
        mv.pass = options.resumeAttempts() - 1;
        mv.nextPath = 0;
        attempts.tryNextPath(mv);
    }

    @Override
    public void resumed(ResumeAttempts.Hop hop) {
        state.migrations++;
        metrics.migrationCompleted(hop.pauseNanos(), hop.connectNanos());
        hop.leaveSource();
        commands.continueOn(hop.target());
        commands.updateAutoRead(hop.target());
        Move mv = hop.move();
        log.debug(
                "session {}: migration {} {} -> {} in {} us",
                state.sessionId,
                Integer.toUnsignedString(mv.migrationId),
                hop.fromAddress(),
                state.serverAddress,
                hop.pauseNanos() / 1000);
        MigrationListener l = state.listener;
        if (l != null) {
            try {
                l.migrated(new MigrationEvent(
                        state.sessionId,
                        mv.migrationId,
                        hop.fromServer(),
                        hop.fromAddress(),
                        state.serverName,
                        state.serverAddress,
                        Duration.ofNanos(hop.pauseNanos()),
                        Duration.ofNanos(hop.connectNanos())));
            } catch (RuntimeException e) {
                log.warn("session {}: migration listener failed", state.sessionId, e);
            }
        }
    }

    @Override
    public void expired(Move mv, String where, Frame.Error e) {
        engine.failSession(new SessionExpiredException("session expired: session " + state.sessionId
                + " can no longer be resumed; its context is gone (it expired in the store, or the migration was"
                + " invalidated). " + where + " answered SESSION_EXPIRED: " + e.text() + engine.outstandingNote()));
    }

    @Override
    public void allPathsFailed(Move mv) {
        if (state.channel != null && state.channel.isActive()) {
            mv.exhausted = true;
            state.phase = Phase.AWAITING_CANCEL;
            log.warn(
                    "session {}: migration {}: every resume path failed ({}); staying on {} until it cancels or closes",
                    state.sessionId,
                    Integer.toUnsignedString(mv.migrationId),
                    mv.triedSummary(),
                    state.serverAddress);
        } else if (mv.claimedElsewhere) {
            engine.failSession(new ResumeRefusedException(
                    ErrorCode.ALREADY_CLAIMED,
                    "session " + state.sessionId
                            + ": another server already claimed the session and the source connection is closed; tried "
                            + mv.triedSummary() + engine.outstandingNote()));
        } else {
            engine.failSession(new SessionLostException("session " + state.sessionId + ": migration "
                    + Integer.toUnsignedString(mv.migrationId) + " away from " + state.serverAddress
                    + " failed: every resume path failed after " + options.resumeAttempts() + " pass(es): "
                    + mv.triedSummary() + engine.outstandingNote()));
        }
    }
}
