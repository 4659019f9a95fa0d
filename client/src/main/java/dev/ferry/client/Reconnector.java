package dev.ferry.client;

import dev.ferry.client.SessionState.Phase;
import dev.ferry.protocol.Frame;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles the loss of the session's connection with no migration under way. With
 * {@link ClientOptions#resumeOnConnectionLoss()} and a resume token it resumes the session from
 * its server's write-through save: a {@link Move} through {@link ResumeAttempts} (the same paths,
 * passes and back-off as a migration) to the service address, then to the address the session was
 * on, since that server may have restarted. Otherwise, or if that resume fails, the session is lost.
 * Commands that reached the lost server may have run there, so they are ended, never re-sent;
 * the ones it never got (or deferred) go to the new server in request order.
 *
 * <p>Event-loop state, like the rest of {@link SessionEngine}.
 */
final class Reconnector implements ResumeAttempts.Purpose {
    private static final Logger log = LoggerFactory.getLogger(Reconnector.class);

    private final SessionEngine engine;
    private final SessionState state;
    private final CommandQueue commands;
    private final ResumeAttempts attempts;
    private final ClientOptions options;
    private final ClientMetrics metrics;

    Reconnector(
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

    /** The connection the session lives on closed while it was open (no migration in progress). */
    void onConnectionLost() {
        String lost = "session " + state.sessionId + ": connection to " + state.serverAddress + " (server '"
                + state.serverName + "') closed" + state.closeDetail() + " with no migration in progress";
        if (options.resumeOnConnectionLoss() && state.token != null) {
            resumeAfterLoss(lost);
        } else {
            engine.failSession(new SessionLostException(lost + engine.outstandingNote(), state.lastCause));
        }
    }

    private void resumeAfterLoss(String lost) {
        List<String> paths = new ArrayList<>();
        paths.add(options.serviceAddress());
        if (!paths.contains(state.serverAddress)) paths.add(state.serverAddress);
        Move mv = new Move(0, 0, 0, paths, System.nanoTime());
        mv.afterLoss = lost;
        attempts.begin(mv, this);
        state.phase = Phase.MOVING;
        log.info("{}; resuming from its saved state at {}", lost, paths);
        attempts.tryNextPath(mv);
    }

    /** Ends the session whose resume failed, as if it had not been tried, plus why. */
    private void failAfterLoss(Move mv, String why) {
        mv.dropAttempt();
        attempts.clear(); // before failSession: this is not a failed migration
        engine.failSession(new SessionLostException(
                mv.afterLoss + "; resuming it failed: " + why + engine.outstandingNote(), state.lastCause));
    }

    @Override
    public void resumed(ResumeAttempts.Hop hop) {
        metrics.serverLossResumed();
        hop.leaveSource();
        for (Request r : commands.takeMayHaveRun()) {
            // It reached the lost server and may have run there: never run it twice.
            r.stream.finish(
                    r.nextSeq,
                    false,
                    false,
                    new ServerLostException("session " + state.sessionId + ": the server '"
                            + hop.fromServer() + "' at " + hop.fromAddress() + " was lost while " + r.describe()
                            + " ran; the session resumed on '" + state.serverName
                            + "' with its state as of the last completed command, and the command was not re-sent"
                            + " (it may or may not have run)"));
        }
        commands.continueOn(hop.target());
        commands.updateAutoRead(hop.target());
        log.debug(
                "session {}: migration {} {} -> {} in {} us",
                state.sessionId,
                Integer.toUnsignedString(hop.move().migrationId),
                hop.fromAddress(),
                state.serverAddress,
                hop.pauseNanos() / 1000);
    }

    @Override
    public void expired(Move mv, String where, Frame.Error e) {
        failAfterLoss(
                mv,
                where + " has no saved state of it (SESSION_EXPIRED: " + e.text()
                        + "; servers save sessions only in write-through mode)");
    }

    @Override
    public void allPathsFailed(Move mv) {
        failAfterLoss(mv, "tried " + mv.triedSummary());
    }
}
