package dev.ferry.client;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.protocol.ResumeToken;
import dev.ferry.protocol.SessionId;
import dev.ferry.protocol.Severity;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The protocol state machine of one session (docs/protocol.md, "Session rules"). Every method
 * named {@code on...} runs on the session's event loop, and so does every connection of the
 * session (source, resume attempts): the state needs no locks, and nothing here blocks.
 *
 * <p>Callers on other threads reach it through {@link #submit}, {@link #cancel} and
 * {@link #closeAsync}, which hop onto the loop. Fields read by callers are volatile.
 */
final class SessionEngine {
    private static final Logger log = LoggerFactory.getLogger(SessionEngine.class);

    enum Phase { CONNECTING, OPEN, MOVING, AWAITING_CANCEL, FAILED, CLOSED }

    private final ClientOptions options;
    private final ClientMetrics metrics;
    private final EventLoop loop;
    private final Bootstrap bootstrap;

    // ---- event-loop state ----
    private Phase phase = Phase.CONNECTING;
    /** The connection the session lives on; during a move, the source. */
    private Channel channel;
    private ResumeToken token;
    private Request current;
    private Move move;
    /** The last GOODBYE / connection-level ERROR on {@link #channel}, to explain a close. */
    private Frame.Goodbye lastGoodbye;
    private Frame.Error lastError;
    private Throwable lastCause;
    private CompletableFuture<Void> opened;
    private ScheduledFuture<?> handshakeTimer;

    // ---- read by callers ----
    private volatile SessionId sessionId;
    private volatile String serverName = "";
    private volatile String serverAddress;
    private volatile int migrations;
    private volatile FerryException failure;
    private volatile MigrationListener listener;

    SessionEngine(ClientOptions options, ClientMetrics metrics, EventLoop loop, Bootstrap template) {
        this.options = options;
        this.metrics = metrics;
        this.loop = loop;
        this.bootstrap = template.clone(loop).handler(new SessionChannelInitializer(this, options.maxFrameLength()));
    }

    SessionId sessionId() { return sessionId; }

    String serverName() { return serverName; }

    String serverAddress() { return serverAddress; }

    int migrations() { return migrations; }

    FerryException failure() { return failure; }

    void listener(MigrationListener l) { this.listener = l; }

    // =====================================================================================
    // Calls from user threads
    // =====================================================================================

    /** Connects to the service address and sends HELLO; completes at WELCOME. */
    CompletableFuture<Void> open() {
        opened = new CompletableFuture<>();
        if (!runOnLoop(this::onOpen)) {
            opened.completeExceptionally(new ConnectFailedException(null, "the client is closed", null));
        }
        return opened;
    }

    void submit(ResultStream stream, int id, String command) {
        Request r = new Request(stream, id, command);
        if (!runOnLoop(() -> onSubmit(r))) {
            stream.finish(0, false, false, new FerryException("the client is closed; " + r.describe() + " was not sent"));
        }
    }

    void cancel(ResultStream stream) { runOnLoop(() -> onCancel(stream)); }

    /**
     * The server did not answer the ATTENTION for {@code stream} in time: it breaks the rule that
     * every request ends with exactly one final DONE, so the session cannot go on (the next command
     * would wait behind this one forever). Ends the session; the caller sees {@link #failure()}.
     */
    void abandonUnanswered(ResultStream stream, java.time.Duration waited) {
        runOnLoop(() -> {
            Request r = current;
            if (r == null || r.stream != stream) return; // it ended after all
            failSession(new SessionLostException("session " + sessionId + ": " + serverAddress + " did not end "
                    + r.describe() + " within " + waited + " of the ATTENTION sent for it; the session is closed", null));
        });
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
    // Opening
    // =====================================================================================

    private void onOpen() {
        HostPort service = options.serviceHostPort();
        serverAddress = service.toString();
        ChannelFuture cf = bootstrap.connect(service.host(), service.port());
        channel = cf.channel();
        handshakeTimer = loop.schedule(() -> failOpen(null, "no WELCOME from " + service + " within "
                + options.connectTimeout(), null), options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        cf.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                failOpen(null, "cannot connect to " + service + ": " + f.cause(), f.cause());
            } else if (phase == Phase.CONNECTING) {
                f.channel().writeAndFlush(new Frame.Hello(ProtocolVersion.CURRENT, options.clientName()));
            }
        });
    }

    private void onHandshakeFrame(Frame f) {
        switch (f) {
            case Frame.Welcome w when !w.resumed() -> {
                cancelHandshakeTimer();
                sessionId = w.sessionId();
                token = w.resumeToken();
                serverName = w.serverName();
                phase = Phase.OPEN;
                metrics.sessionOpened();
                updateAutoRead(channel);
                log.debug("session {} opened on {} ({})", sessionId, serverName, serverAddress);
                opened.complete(null);
            }
            case Frame.Error e -> failOpen(e.code(), serverAddress + " refused the session: " + e.code() + ": " + e.text(), null);
            case Frame.Goodbye g -> lastGoodbye = g;
            default -> failOpen(null, serverAddress + " sent " + f.type() + " before WELCOME", null);
        }
    }

    private void failOpen(ErrorCode code, String message, Throwable cause) {
        if (phase != Phase.CONNECTING) return;
        cancelHandshakeTimer();
        phase = Phase.FAILED;
        ConnectFailedException e = new ConnectFailedException(code, message, cause);
        failure = e;
        if (channel != null) channel.close();
        opened.completeExceptionally(e);
    }

    private void cancelHandshakeTimer() {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
            handshakeTimer = null;
        }
    }

    // =====================================================================================
    // Connection events
    // =====================================================================================

    void onFrame(Channel ch, Frame f) {
        if (move != null && ch == move.attempt) {
            onAttemptFrame(move, f);
            return;
        }
        if (ch != channel) {
            log.debug("session {}: ignoring {} from a connection the session has left", sessionId, f.type());
            return;
        }
        switch (phase) {
            case CONNECTING -> onHandshakeFrame(f);
            case OPEN, MOVING, AWAITING_CANCEL -> onSessionFrame(f);
            case FAILED, CLOSED -> { }
        }
    }

    void onInactive(Channel ch) {
        if (move != null && ch == move.attempt) {
            Move mv = move;
            mv.attempt = null;
            failAttempt(mv, mv.attemptAddress + ": connection closed before WELCOME");
            return;
        }
        if (ch != channel) return;
        switch (phase) {
            case CONNECTING -> failOpen(lastError == null ? null : lastError.code(), "connection to " + serverAddress
                    + " closed before WELCOME" + closeDetail(), lastCause);
            case OPEN -> {
                String lost = "session " + sessionId + ": connection to " + serverAddress
                        + " (server '" + serverName + "') closed" + closeDetail() + " with no migration in progress";
                if (options.resumeOnConnectionLoss() && token != null) {
                    resumeAfterLoss(lost);
                } else {
                    failSession(new SessionLostException(lost + outstandingNote(), lastCause));
                }
            }
            case MOVING -> log.debug("session {}: source {} closed during migration {}", sessionId, serverAddress, move.migrationId);
            case AWAITING_CANCEL -> onSourceClosedWhileAwaitingCancel();
            case FAILED, CLOSED -> { }
        }
    }

    void onException(Channel ch, Throwable cause) {
        if (ch == channel) lastCause = cause;
        if (move != null && ch == move.attempt) {
            log.debug("session {}: resume attempt to {} failed: {}", sessionId, move.attemptAddress, cause.toString());
        } else {
            log.warn("session {}: connection to {} failed: {}", sessionId, serverAddress, cause.toString());
        }
    }

    private String closeDetail() {
        StringBuilder sb = new StringBuilder();
        if (lastGoodbye != null) {
            sb.append(" after GOODBYE(").append(lastGoodbye.reason());
            if (!lastGoodbye.text().isEmpty()) sb.append(": ").append(lastGoodbye.text());
            sb.append(')');
        }
        if (lastError != null) sb.append(" after ERROR ").append(lastError.code()).append(": ").append(lastError.text());
        if (lastCause != null) sb.append(" (").append(lastCause).append(')');
        return sb.toString();
    }

    /** What the user can know about the outstanding request when the session ends. */
    private String outstandingNote() {
        Request r = current;
        if (r == null) return "";
        if (r.deferred || (move != null && !r.inBatch)) {
            return "; " + r.describe() + " was not run (the source had handed the session off before it arrived)";
        }
        if (move != null) return "; " + r.describe() + " was interrupted by the migration after " + r.nextSeq + " row(s)";
        return "; " + r.describe() + " may or may not have run";
    }

    // =====================================================================================
    // Frames on the session's connection
    // =====================================================================================

    private void onSessionFrame(Frame f) {
        switch (f) {
            case Frame.Row r -> onRow(r);
            case Frame.Message m -> onMessage(m);
            case Frame.Done d -> onDone(d);
            case Frame.Deferred d -> onDeferred(d);
            case Frame.Migrate m -> onMigrate(m);
            case Frame.MigrateCancel c -> onMigrateCancel(c);
            case Frame.Goodbye g -> {
                lastGoodbye = g;
                log.debug("session {}: GOODBYE({}) from {}: {}", sessionId, g.reason(), serverAddress, g.text());
            }
            case Frame.Error e -> onError(e);
            default -> log.warn("session {}: unexpected {} from {}; ignored", sessionId, f.type(), serverAddress);
        }
    }

    private Request currentFor(int requestId, String what) {
        Request r = current;
        if (r == null || r.id != requestId) {
            log.warn("session {}: {} for request {} which is not outstanding; ignored", sessionId, what,
                    Integer.toUnsignedString(requestId));
            return null;
        }
        return r;
    }

    private void onRow(Frame.Row row) {
        Request r = currentFor(row.requestId(), "ROW");
        if (r == null) return;
        long seq = row.seq();
        if (seq < r.nextSeq) {
            // A server resent a row the user already has: drop it, but make it visible.
            metrics.duplicateRow();
            log.warn("session {}: duplicate row seq {} of {} (next expected {}); dropped", sessionId, seq, r.describe(), r.nextSeq);
            return;
        }
        if (seq > r.nextSeq) {
            metrics.seqGap();
            log.error("session {}: rows {}..{} of {} are missing (got seq {} from {})", sessionId, r.nextSeq, seq - 1,
                    r.describe(), seq, serverAddress);
        }
        r.nextSeq = seq + 1;
        r.stream.addRow(new Row(seq, row.data()));
    }

    private void onMessage(Frame.Message m) {
        Request r = currentFor(m.requestId(), "MESSAGE");
        if (r != null) r.stream.addMessage(new ServerMessage(m.severity(), m.text()));
    }

    private void onDone(Frame.Done d) {
        Request r = currentFor(d.requestId(), "DONE");
        if (r == null || !d.isFinal()) return; // a DONE without FINAL only ends one result set
        current = null;
        if (d.isAttention()) {
            r.stream.finish(d.rowCount(), true, false, null);
        } else if (d.isError()) {
            r.stream.finish(d.rowCount(), false, true, new CommandFailedException(r.id, r.text, errorText(r)));
        } else {
            if (d.rowCount() != r.nextSeq) {
                log.warn("session {}: {} ended with rowCount {} but {} rows were seen", sessionId, r.describe(), d.rowCount(), r.nextSeq);
            }
            r.stream.finish(d.rowCount(), false, false, null);
        }
        updateAutoRead(channel);
    }

    private static String errorText(Request r) {
        List<String> texts = new ArrayList<>();
        for (ServerMessage m : r.stream.messagesSoFar()) if (m.severity() == Severity.ERROR) texts.add(m.text());
        return texts.isEmpty() ? "the server reported an error without a message" : String.join("; ", texts);
    }

    private void onDeferred(Frame.Deferred d) {
        Request r = currentFor(d.requestId(), "DEFERRED");
        if (r == null) return;
        // The source did not run it and will not: it goes out again after the move (or the cancel).
        r.deferred = true;
        r.writtenTo = null;
        log.debug("session {}: {} deferred by {}", sessionId, r.describe(), serverAddress);
        if (r.stream.cancelRequested()) finishCancelledLocally(r);
    }

    private void onError(Frame.Error e) {
        if (e.requestId() != 0) {
            Request r = currentFor(e.requestId(), "ERROR " + e.code());
            if (r == null) return;
            current = null;
            r.stream.finish(r.nextSeq, false, true, new CommandFailedException(r.id, r.text, e.text()));
            updateAutoRead(channel);
            return;
        }
        lastError = e;
        log.warn("session {}: {} reported {}: {}", sessionId, serverAddress, e.code(), e.text());
    }

    // =====================================================================================
    // Commands and attention
    // =====================================================================================

    private void onSubmit(Request r) {
        if (phase == Phase.FAILED || phase == Phase.CLOSED) {
            r.stream.finish(0, false, false, failure != null ? failure : new FerryException("session is closed"));
            return;
        }
        if (current != null) {
            r.stream.finish(0, false, false, new FerryException(current.describe() + " is still outstanding"));
            return;
        }
        current = r;
        // While moving, the command waits: the source would only defer it.
        if (phase == Phase.OPEN) send(r);
    }

    private void send(Request r) {
        Channel ch = channel;
        r.writtenTo = ch;
        r.everSent = true;
        r.deferred = false;
        if (!options.readAhead()) ch.config().setAutoRead(true);
        ch.writeAndFlush(new Frame.Command(r.id, r.text)).addListener((ChannelFuture f) -> {
            if (!f.isSuccess() && f.channel().isActive()) {
                // Channels do not close on a failed write (AUTO_CLOSE off): keep reading, so a MIGRATE
                // the server sent before closing is still seen. The read then ends the connection.
                log.debug("session {}: writing {} failed: {}", sessionId, r.describe(), f.cause().toString());
                f.channel().config().setAutoRead(true);
            }
        });
    }

    private void onCancel(ResultStream stream) {
        Request r = current;
        if (r == null || r.stream != stream) return; // already ended: nothing to cancel
        if (r.inBatch) return; // carried by the migration: the RESUME (or the cancel) handles it
        if (r.writtenTo == null || r.deferred) {
            finishCancelledLocally(r); // no server runs it
        } else if (r.writtenTo.isActive()) {
            r.writtenTo.writeAndFlush(new Frame.Attention(r.id));
        }
    }

    private void finishCancelledLocally(Request r) {
        if (current == r) current = null;
        r.stream.finish(r.nextSeq, true, false, null);
        if (channel != null) updateAutoRead(channel);
    }

    /** A non-read-ahead connection reads only while something is outstanding or a migration is going on. */
    private void updateAutoRead(Channel ch) {
        if (options.readAhead() || ch == null) return;
        boolean want = current != null || phase != Phase.OPEN;
        if (ch.config().isAutoRead() != want) ch.config().setAutoRead(want);
    }

    // =====================================================================================
    // Migration
    // =====================================================================================

    private void onMigrate(Frame.Migrate m) {
        List<String> paths = new ArrayList<>(m.targets());
        paths.add(options.serviceAddress());
        Move mv = move;
        if (mv != null) {
            if (mv.migrationId == m.migrationId()) return;
            // A new request replaces the earlier one; the pause is still measured from the first.
            log.info("session {}: migration {} replaces migration {}", sessionId, Integer.toUnsignedString(m.migrationId()),
                    Integer.toUnsignedString(mv.migrationId));
            mv.retarget(m.migrationId(), m.inBatchRequestId(), m.deadlineMillis(), paths);
        } else {
            mv = new Move(m.migrationId(), m.inBatchRequestId(), m.deadlineMillis(), paths, System.nanoTime());
            move = mv;
        }
        phase = Phase.MOVING;
        Request r = current;
        if (r != null) r.inBatch = r.id == m.inBatchRequestId() && m.inBatchRequestId() != 0;
        if (m.inBatchRequestId() != 0 && (r == null || !r.inBatch)) {
            log.warn("session {}: MIGRATE names in-batch request {} which is not outstanding", sessionId,
                    Integer.toUnsignedString(m.inBatchRequestId()));
        }
        log.debug("session {}: MIGRATE {} from {} to {} (in-batch {}, deadline {} ms)", sessionId,
                Integer.toUnsignedString(m.migrationId()), serverAddress, m.targets(),
                Integer.toUnsignedString(m.inBatchRequestId()), m.deadlineMillis());
        updateAutoRead(channel);
        if (mv.attempt != null) return; // its answer decides; the new targets come after it if it fails
        mv.cancelTimer(); // a back-off between passes, or a CLAIM_PENDING pause: start over on the new targets
        tryNextPath(mv);
    }

    /**
     * The connection dropped with no migration under way: resume from the server's write-through
     * save at the service address, then at the address the session was on (it may have restarted).
     */
    private void resumeAfterLoss(String lost) {
        List<String> paths = new ArrayList<>();
        paths.add(options.serviceAddress());
        if (!paths.contains(serverAddress)) paths.add(serverAddress);
        Move mv = new Move(0, 0, 0, paths, System.nanoTime());
        mv.afterLoss = lost;
        move = mv;
        phase = Phase.MOVING;
        log.info("{}; resuming from its saved state at {}", lost, paths);
        tryNextPath(mv);
    }

    /** Ends a session whose resume after a lost connection failed, as if it had not been tried, plus why. */
    private void failAfterLoss(Move mv, String why) {
        mv.dropAttempt();
        move = null; // not a failed migration
        failSession(new SessionLostException(mv.afterLoss + "; resuming it failed: " + why + outstandingNote(), lastCause));
    }

    private void tryNextPath(Move mv) {
        if (move != mv) return;
        if (mv.nextPath >= mv.paths.size()) {
            mv.pass++;
            if (mv.pass < options.resumeAttempts()) {
                mv.nextPath = 0;
                long delay = options.resumeBackoff().toMillis() * mv.pass;
                mv.timer = loop.schedule(() -> tryNextPath(mv), delay, TimeUnit.MILLISECONDS);
            } else {
                allPathsFailed(mv);
            }
            return;
        }
        String address = mv.paths.get(mv.nextPath++);
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
        Request r = current;
        boolean attention = r != null && r.inBatch && r.stream.cancelRequested();
        if (r != null) r.attentionInResume = attention;
        f.channel().writeAndFlush(new Frame.Resume(ProtocolVersion.CURRENT, sessionId, token, attention ? r.id : 0));
        Channel attempt = f.channel();
        mv.timer = loop.schedule(() -> {
            if (move == mv && mv.attempt == attempt) {
                mv.attempt = null;
                attempt.close();
                failAttempt(mv, mv.attemptAddress + ": no answer to RESUME within " + options.connectTimeout());
            }
        }, options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Records a failed attempt (already detached from {@code mv.attempt}) and goes on to the next path. */
    private void failAttempt(Move mv, String what) {
        mv.cancelTimer();
        metrics.resumeFailed();
        mv.tried.add(what);
        log.debug("session {}: resume attempt failed: {}", sessionId, what);
        tryNextPath(mv);
    }

    private void onAttemptFrame(Move mv, Frame f) {
        switch (f) {
            case Frame.Welcome w when w.resumed() && w.sessionId().equals(sessionId) -> completeMove(mv, w);
            case Frame.Error e -> onResumeError(mv, e);
            case Frame.Goodbye g -> log.debug("session {}: GOODBYE({}) from resume target {}: {}", sessionId, g.reason(),
                    mv.attemptAddress, g.text());
            default -> {
                Channel a = mv.attempt;
                mv.attempt = null;
                a.close();
                failAttempt(mv, mv.attemptAddress + ": answered RESUME with " + describe(f));
            }
        }
    }

    private static String describe(Frame f) {
        return f instanceof Frame.Welcome w ? "WELCOME(resumed=" + w.resumed() + ", session " + w.sessionId() + ")" : f.type().toString();
    }

    private void onResumeError(Move mv, Frame.Error e) {
        String where = mv.attemptAddress;
        Channel a = mv.attempt;
        mv.attempt = null;
        mv.cancelTimer();
        a.close();
        if (mv.afterLoss != null && e.code() == ErrorCode.SESSION_EXPIRED) {
            metrics.resumeFailed();
            failAfterLoss(mv, where + " has no saved state of it (SESSION_EXPIRED: " + e.text()
                    + "; servers save sessions only in write-through mode)");
            return;
        }
        switch (e.code()) {
            case SESSION_EXPIRED -> {
                metrics.resumeFailed();
                failSession(new SessionExpiredException("session expired: session " + sessionId
                        + " can no longer be resumed; its context is gone (it expired in the store, or the migration was"
                        + " invalidated). " + where + " answered SESSION_EXPIRED: " + e.text() + outstandingNote()));
            }
            case BAD_TOKEN -> {
                metrics.resumeFailed();
                failSession(new ResumeRefusedException(ErrorCode.BAD_TOKEN, "session " + sessionId + ": " + where
                        + " refused the resume token (BAD_TOKEN: " + e.text() + ")" + outstandingNote()));
            }
            case MIGRATION_CANCELLED -> {
                metrics.resumeFailed();
                mv.cancelledBySource = true;
                if (channel != null && channel.isActive()) {
                    // The source claimed the session back: the migration is being cancelled. Stay.
                    phase = Phase.AWAITING_CANCEL;
                    log.debug("session {}: {} says MIGRATION_CANCELLED; staying on {} until MIGRATE_CANCEL", sessionId, where, serverAddress);
                } else {
                    failSession(new SessionLostException("session " + sessionId + ": the source took the session back ("
                            + where + " answered MIGRATION_CANCELLED: " + e.text() + ") but its connection is closed"
                            + outstandingNote()));
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
                    mv.nextPath--; // the same path again, after a pause
                    long delay = Math.min(1000, Math.max(50, options.resumeBackoff().toMillis()) << Math.min(4, mv.claimPendingRetries - 1));
                    log.debug("session {}: {} says CLAIM_PENDING ({}); asking again in {} ms", sessionId, where, e.text(), delay);
                    mv.timer = loop.schedule(() -> tryNextPath(mv), delay, TimeUnit.MILLISECONDS);
                } else {
                    failAttempt(mv, where + ": CLAIM_PENDING for longer than the claim wait of " + options.claimWait()
                            + " (" + e.text() + ")");
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

    private void allPathsFailed(Move mv) {
        if (mv.afterLoss != null) {
            failAfterLoss(mv, "tried " + mv.triedSummary());
            return;
        }
        if (channel != null && channel.isActive()) {
            mv.exhausted = true;
            phase = Phase.AWAITING_CANCEL;
            log.warn("session {}: migration {}: every resume path failed ({}); staying on {} until it cancels or closes",
                    sessionId, Integer.toUnsignedString(mv.migrationId), mv.triedSummary(), serverAddress);
        } else if (mv.claimedElsewhere) {
            failSession(new ResumeRefusedException(ErrorCode.ALREADY_CLAIMED, "session " + sessionId
                    + ": another server already claimed the session and the source connection is closed; tried "
                    + mv.triedSummary() + outstandingNote()));
        } else {
            failSession(new SessionLostException("session " + sessionId + ": migration "
                    + Integer.toUnsignedString(mv.migrationId) + " away from " + serverAddress
                    + " failed: every resume path failed after " + options.resumeAttempts() + " pass(es): "
                    + mv.triedSummary() + outstandingNote()));
        }
    }

    private void onSourceClosedWhileAwaitingCancel() {
        Move mv = move;
        if (mv.cancelledBySource) {
            failSession(new SessionLostException("session " + sessionId + ": the source " + serverAddress
                    + " took the session back to cancel the migration, then closed" + closeDetail()
                    + " without MIGRATE_CANCEL" + outstandingNote()));
            return;
        }
        // The source gave up waiting and left the context in the store: one last pass over the paths.
        log.debug("session {}: source closed after every path failed; one more pass", sessionId);
        phase = Phase.MOVING;
        mv.exhausted = false;
        mv.pass = options.resumeAttempts() - 1;
        mv.nextPath = 0;
        tryNextPath(mv);
    }

    private void completeMove(Move mv, Frame.Welcome w) {
        mv.cancelTimer();
        long pauseNanos = System.nanoTime() - mv.startNanos;
        Channel source = channel;
        Channel target = mv.attempt;
        String fromServer = serverName;
        String fromAddress = serverAddress;

        channel = target;
        move = null;
        phase = Phase.OPEN;
        token = w.resumeToken();
        serverName = w.serverName();
        serverAddress = mv.attemptAddress;
        lastGoodbye = null;
        lastError = null;
        lastCause = null;
        boolean afterLoss = mv.afterLoss != null;
        if (afterLoss) {
            metrics.serverLossResumed();
        } else {
            migrations++;
            metrics.migrationCompleted(pauseNanos);
        }

        if (source != null && source.isActive()) {
            source.writeAndFlush(new Frame.Goodbye(GoodbyeReason.MOVED, "resumed on " + w.serverName()))
                    .addListener(ChannelFutureListener.CLOSE);
        } else if (source != null) {
            source.close();
        }

        Request r = current;
        if (r != null && afterLoss && r.writtenTo != null && !r.deferred) {
            // It reached the lost server and may have run there: never run it twice.
            current = null;
            r.stream.finish(r.nextSeq, false, false, new ServerLostException("session " + sessionId + ": the server '"
                    + fromServer + "' at " + fromAddress + " was lost while " + r.describe() + " ran; the session resumed on '"
                    + serverName + "' with its state as of the last completed command, and the command was not re-sent"
                    + " (it may or may not have run)"));
            r = null;
        }
        if (r != null) {
            if (r.inBatch) {
                // The target continues it; an attention the RESUME did not carry goes to the target now.
                r.inBatch = false;
                r.writtenTo = target;
                if (r.stream.cancelRequested() && !r.attentionInResume) target.writeAndFlush(new Frame.Attention(r.id));
            } else if (r.stream.cancelRequested()) {
                finishCancelledLocally(r); // the source did not run it (the target holds the session), so nothing ran
            } else {
                // Deferred, written after MIGRATE, or submitted while moving: the source ran none of them.
                if (r.everSent) metrics.deferredResent();
                send(r);
            }
            r.attentionInResume = false;
        }
        updateAutoRead(target);
        log.debug("session {}: migration {} {} -> {} in {} us", sessionId, Integer.toUnsignedString(mv.migrationId),
                fromAddress, serverAddress, pauseNanos / 1000);
        MigrationListener l = afterLoss ? null : listener;
        if (l != null) {
            try {
                l.migrated(new MigrationEvent(sessionId, mv.migrationId, fromServer, fromAddress, serverName, serverAddress,
                        Duration.ofNanos(pauseNanos)));
            } catch (RuntimeException e) {
                log.warn("session {}: migration listener failed", sessionId, e);
            }
        }
    }

    private void onMigrateCancel(Frame.MigrateCancel c) {
        Move mv = move;
        if (mv == null || mv.migrationId != c.migrationId()) {
            log.debug("session {}: MIGRATE_CANCEL {} for no migration in progress; ignored", sessionId,
                    Integer.toUnsignedString(c.migrationId()));
            return;
        }
        mv.dropAttempt();
        move = null;
        phase = Phase.OPEN;
        metrics.migrationCancelled();
        log.debug("session {}: migration {} cancelled; staying on {}", sessionId, Integer.toUnsignedString(mv.migrationId), serverAddress);
        Request r = current;
        if (r != null) {
            if (r.inBatch) {
                // The source owns the request again.
                r.inBatch = false;
                r.attentionInResume = false;
                if (r.stream.cancelRequested()) channel.writeAndFlush(new Frame.Attention(r.id));
            } else if (r.writtenTo == null || r.deferred) {
                if (r.stream.cancelRequested()) {
                    finishCancelledLocally(r);
                } else {
                    if (r.everSent) metrics.deferredResent();
                    send(r);
                }
            }
            // Otherwise it reached the source after the cancel: the source runs it; wait for its DONE.
        }
        updateAutoRead(channel);
    }

    // =====================================================================================
    // Endings
    // =====================================================================================

    private void failSession(FerryException e) {
        if (phase == Phase.FAILED || phase == Phase.CLOSED) return;
        if (move != null) {
            metrics.migrationFailed();
            move.dropAttempt();
            move = null;
        }
        phase = Phase.FAILED;
        failure = e;
        metrics.sessionLost();
        log.warn(e.getMessage());
        Request r = current;
        current = null;
        if (r != null) r.stream.finish(r.nextSeq, false, false, e);
        if (channel != null) channel.close();
    }

    private void onClose(CompletableFuture<Void> done) {
        if (phase == Phase.CLOSED) {
            done.complete(null);
            return;
        }
        Phase was = phase;
        phase = Phase.CLOSED;
        cancelHandshakeTimer();
        if (move != null) {
            move.dropAttempt();
            move = null;
        }
        if (failure == null) failure = new FerryException("session " + sessionId + " is closed");
        Request r = current;
        current = null;
        if (r != null) r.stream.finish(r.nextSeq, false, false, new FerryException("session " + sessionId
                + " was closed while " + r.describe() + " was outstanding"));
        if (opened != null && !opened.isDone()) opened.completeExceptionally(new ConnectFailedException(null, "closed while connecting", null));
        Channel ch = channel;
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
