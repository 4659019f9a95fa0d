package dev.ferry.server;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.protocol.SessionId;
import dev.ferry.server.SessionLifecycle.Event;
import dev.ferry.store.ClaimResult;
import dev.ferry.store.ExportedContext;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client session on this server: its requests, its context, and its migration.
 *
 * <p>Where the session stands is one {@link SessionLifecycle}, guarded by {@code this} and changed
 * only by {@link #apply}ing an event to it. Write-through's saves are {@link WriteThrough}'s.
 *
 * <p>Threads: frames arrive on the channel's event loop and are handed to {@link #executor}, which
 * runs the application's handlers one at a time on virtual threads; a command the handler declares
 * non-blocking runs on the event loop itself, in its turn ({@link SerialExecutor#executeOn}). No lock is held while
 * application code or a store round trip runs. State-change callbacks go through {@link #notifier}
 * so they reach the application in order without waiting for a long command to finish.
 */
final class ServerSession implements Session {
    private static final Logger log = LoggerFactory.getLogger(ServerSession.class);

    private final ServerRuntime rt;
    private final SessionId id;
    private final Channel channel;
    private final boolean resumed;
    private final SessionContext context;
    private final SerialExecutor executor;
    private final SerialExecutor notifier;
    private final Map<Integer, ServerRequest> open = new ConcurrentHashMap<>(2);
    private final byte[] tokenHash;
    private final ReentrantLock writability = new ReentrantLock();
    private final Condition writable = writability.newCondition();
    private final WriteThrough writeThrough;

    /**
     * Whether a handler at a checkpoint should yield: REQUESTED, not held, migration enabled. Derived
     * (by {@link #updateYield}) whenever one of those changes; volatile because it is read on every row, without the lock.
     */
    private volatile boolean yieldWanted;

    // Guarded by this.
    private SessionLifecycle lifecycle = SessionLifecycle.IDLE;
    // The migration asked for last, the request its export carried, and the timer that bounds it.
    private int migrationId;
    private List<String> targets = List.of();
    private ServerRequest exportedRequest;
    private long deadlineAtNanos;
    /** When the last MIGRATE was written (0: none yet); the migration pause histogram counts from it. Under the lock. */
    private long migrateSentNanos;
    /** When the last migration was asked for ({@link #migrationRequestedNanos}); written under the lock. */
    private volatile long migrationRequestedNanos;

    private ScheduledFuture<?> deadline;
    // What the application and the session's executor are doing. Not part of the lifecycle: they change
    // in every state of it, on their own. Together they say whether the session is at a migration point.
    /** Holds the application has open ({@link #holdMigration}). */
    private int holds;
    /** The request the executor runs now. */
    private ServerRequest running;
    /** An export task waits in the executor's queue (it looks at the lifecycle again when it runs). */
    private boolean exportQueued;
    /** Defers pipelined commands from the export until the client's order is restored after a cancel. */
    /** The client sent GOODBYE(CLOSE): the session ends, and nothing of it is kept for a resume. */
    private boolean endedByClient;

    private final DeferralBarrier barrier = new DeferralBarrier();

    ServerSession(
            ServerRuntime rt,
            Channel channel,
            SessionId id,
            byte[] tokenHash,
            SessionContext context,
            boolean resumed) {
        this.rt = rt;
        this.channel = channel;
        this.id = id;
        this.tokenHash = tokenHash;
        this.context = context;
        this.resumed = resumed;
        this.executor = new SerialExecutor(rt.virtualThreads, rt.metrics.internalErrors::increment);
        this.notifier = new SerialExecutor(rt.virtualThreads, rt.metrics.internalErrors::increment);
        this.writeThrough = new WriteThrough(rt, this, tokenHash);
        rt.metrics.opened(MigrationState.NONE);
    }

    // ---------------------------------------------------------------- Session API

    @Override
    public SessionId id() {
        return id;
    }

    @Override
    public SessionContext context() {
        return context;
    }

    @Override
    public boolean resumed() {
        return resumed;
    }

    @Override
    public synchronized MigrationState migrationState() {
        return lifecycle.shown();
    }

    @Override
    public long migrationRequestedNanos() {
        return migrationRequestedNanos;
    }

    synchronized SessionLifecycle lifecycle() {
        return lifecycle;
    }

    /**
     * Whether the session may be ended for idleness: nothing running, nothing queued, and no
     * migration under way (a migrating session has its own timers).
     */
    synchronized boolean isIdle() {
        MigrationState state = lifecycle.shown();
        return running == null
                && open.isEmpty()
                && (state == MigrationState.NONE
                        || state == MigrationState.CANCELLED
                        || state == MigrationState.FAILED);
    }

    @Override
    public void requestMigration(List<String> targets) {
        requestMigration(targets, 0);
    }

    /**
     * @param rotation how far to rotate {@code targets}, so a drain spreads sessions over its peers
     * @return whether the request was taken (not if the session is leaving or gone)
     */
    boolean requestMigration(List<String> targets, int rotation) {
        if (targets == null || targets.isEmpty() || targets.size() > Frame.Migrate.MAX_TARGETS) {
            throw new IllegalArgumentException("a migration needs 1.." + Frame.Migrate.MAX_TARGETS + " targets");
        }
        List<String> rotated = rotate(targets, rotation);
        ServerRequest toWake;
        synchronized (this) {
            if (lifecycle.next(Event.REQUEST) == null) return false; // leaving, being called off, or gone
            boolean ready = lifecycle == SessionLifecycle.READY;
            this.targets = rotated;
            this.migrationId = rt.nextMigrationId();
            rt.metrics.migrationsRequested.increment();
            migrationRequestedNanos = System.nanoTime();
            armDeadline(ready ? rt.timers.idleMigration() : rt.timers.requestBound());
            apply(Event.REQUEST);
            if (ready) {
                // A newer request replaces the one the client has not acted on: same context, new targets, and
                // its timer starts again, so the exported record's TTL does too.
                rt.store.expire(id, rt.timers.exportTtl(rt.timers.idleMigration()));
                write(migrateFrame(exportedRequest));
                migrateSentNanos = System.nanoTime();
                return true;
            }
            toWake = running;
        }
        if (toWake != null) toWake.wake();
        maybeExport();
        return true;
    }

    @Override
    public boolean cancelMigration() {
        synchronized (this) {
            if (!apply(Event.CANCEL)) return false;
            if (lifecycle != SessionLifecycle.CANCELLING) {
                // It was still waiting for its migration point: nothing has left the server.
                disarmDeadline();
                rt.metrics.migrationsCancelled.increment();
                return true;
            }
        }
        // The context is in the store: take it back exactly as a target would, so either we or a
        // target owns the session, never both.
        ClaimResult result;
        try {
            result = rt.store
                    .claim(id, tokenHash, rt.cancelClaimant(), rt.tombstoneTtl())
                    .get(rt.options.storeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("session {}: cancel could not reach the context store: {}", id, e.toString());
            synchronized (this) {
                apply(Event.NOT_TAKEN_BACK);
            }
            return false;
        }
        try {
            synchronized (this) {
                if (!(result instanceof ClaimResult.Claimed)) {
                    apply(Event.NOT_TAKEN_BACK);
                    return false; // a target has it: the client has moved
                }
                apply(Event.TAKEN_BACK);
                if (lifecycle != SessionLifecycle.CANCELLED) {
                    // The client left while we claimed: put the context back for it, with the time it had left.
                    ClaimResult.Claimed claimed = (ClaimResult.Claimed) result;
                    if (endedByClient) {
                        rt.store.delete(id); // it ended the session: nobody resumes it
                    } else if (claimed.ttlLeft().isPositive()) {
                        rt.store.export(
                                id,
                                new ExportedContext(
                                        tokenHash,
                                        ContextCodec.encode(
                                                context, exportedRequest == null ? null : exportedRequest.toInBatch())),
                                claimed.ttlLeft());
                    }
                    return false;
                }
                disarmDeadline();
                // Queued before MIGRATE_CANCEL goes out, so it runs ahead of any command the client sends
                // on reading it (its re-sends come after the in-batch request's continuation), and after
                // every command that arrived before (the barrier defers those). It takes this lock first,
                // so nothing of it runs before the MIGRATE_CANCEL is written.
                ServerRequest inBatch = exportedRequest;
                exportedRequest = null;
                if (inBatch != null) open.put(inBatch.id(), inBatch);
                executor.execute(() -> afterCancel(inBatch));
                write(new Frame.MigrateCancel(migrationId));
                rt.metrics.migrationsCancelled.increment();
            }
            return true;
        } finally {
            maybeExport();
        }
    }

    /** On the executor, in arrival order: the cancel takes effect; the in-batch request (if any) goes on here. */
    private void afterCancel(ServerRequest inBatch) {
        synchronized (this) {
            barrier.cancelled();
        }
        if (inBatch != null) runResumed(inBatch);
    }

    @Override
    public MigrationHold holdMigration() {
        synchronized (this) {
            holds++;
            updateYield();
        }
        return new MigrationHold() {
            private boolean released;

            @Override
            public void close() {
                synchronized (ServerSession.this) {
                    if (released) return;
                    released = true;
                    holds--;
                    updateYield();
                }
                maybeExport();
            }
        };
    }

    @Override
    public void close(String reason) {
        write(new Frame.Goodbye(GoodbyeReason.SHUTDOWN, truncate(reason)));
        channel.close();
    }

    // ---------------------------------------------------------------- frames from the connection

    void start() {
        executor.execute(() -> call("onConnect", () -> rt.handler.onConnect(this)));
        if (writeThrough.enabled()) executor.execute(writeThrough::save);
    }

    /** Starts a session that arrived by migration; {@code inBatch} is the request to continue, if any. */
    void startResumed(ContextCodec.InBatch inBatch, int attentionRequestId) {
        executor.execute(() -> call("onResume", () -> rt.handler.onResume(this)));
        if (inBatch == null) return;
        ServerRequest request = new ServerRequest(
                this, inBatch.requestId(), inBatch.command(), inBatch.rowsSent(), inBatch.cursor(), false);
        open.put(request.id(), request);
        if (attentionRequestId == inBatch.requestId()) {
            // The client cancelled it while moving: the attention DONE is ours to send, and nothing else.
            if (request.attention()) {
                open.remove(request.id());
                rt.metrics.attentions.increment();
                executor.execute(() -> call("onAttention", () -> rt.handler.onAttention(this, request)));
            }
            return;
        }
        executor.execute(() -> runResumed(request));
    }

    /** @return false if the request id is already in use (a protocol error) */
    boolean onCommand(Frame.Command command) {
        boolean nonBlocking = nonBlocking(command.text());
        ServerRequest request = new ServerRequest(this, command.requestId(), command.text(), 0, null, nonBlocking);
        if (open.putIfAbsent(command.requestId(), request) != null) return false;
        if (nonBlocking) executor.executeOn(channel.eventLoop(), () -> runCommand(request));
        else executor.execute(() -> runCommand(request));
        return true;
    }

    /** Whether a command may run on the event loop that read it ({@link SessionHandler#isNonBlocking}). */
    private boolean nonBlocking(String command) {
        if (writeThrough.enabled()) return false; // its save before the DONE waits for the store
        try {
            return rt.handler.isNonBlocking(command);
        } catch (RuntimeException e) {
            log.error("session {}: isNonBlocking failed for '{}'; it runs on a virtual thread", id, command, e);
            return false;
        }
    }

    void onAttention(int requestId) {
        ServerRequest request = open.get(requestId);
        if (request == null) return; // finished, or carried away by a migration: not ours to answer
        rt.virtualThreads.execute(() -> {
            if (!request.attention()) return;
            open.remove(requestId);
            rt.metrics.attentions.increment();
            call("onAttention", () -> rt.handler.onAttention(this, request));
        });
    }

    void onGoodbye(Frame.Goodbye goodbye) {
        if (goodbye.reason() == GoodbyeReason.CLOSE) {
            synchronized (this) {
                writeThrough.endedByClient();
                endedByClient = true;
            }
        }
        if (goodbye.reason() == GoodbyeReason.MOVED) {
            synchronized (this) {
                if (apply(Event.CLIENT_MOVED)) {
                    rt.metrics.migrationsCompleted.increment();
                    if (migrateSentNanos != 0)
                        rt.metrics.migrationPause.record(System.nanoTime() - migrateSentNanos, TimeUnit.NANOSECONDS);
                }
            }
            // The client has its session on the target and closes this connection itself; nothing is left to
            // deliver on it. An abortive close (RST) frees both ends at once: no FIN/ACK exchange, and no
            // TIME_WAIT socket on either side for each of the thousands of sessions a drain moves.
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
        }
        channel.close();
    }

    void onWritabilityChanged() {
        writability.lock();
        try {
            writable.signalAll();
        } finally {
            writability.unlock();
        }
    }

    void onInactive() {
        MigrationState last;
        boolean deleteContext;
        synchronized (this) {
            if (lifecycle.closed()) return;
            disarmDeadline();
            boolean exported = lifecycle.shown() == MigrationState.READY;
            // The client left after MIGRATE: it is on its way (or gave up; the TTL cleans up). Unless it ended the
            // session with GOODBYE(CLOSE): then nobody will resume it, and its exported context goes now.
            if (exported && !endedByClient) rt.metrics.migrationsCompleted.increment();
            apply(Event.CLOSED);
            last = lifecycle.shown();
            // A write-through save stays when the connection just dropped: the client resumes it elsewhere.
            deleteContext =
                    (writeThrough.deletedAtClose() && last != MigrationState.MIGRATING) || (exported && endedByClient);
        }
        rt.removeSession(id, this);
        open.values().forEach(ServerRequest::abandon);
        onWritabilityChanged();
        if (deleteContext) rt.store.delete(id);
        executor.execute(() -> call("onDisconnect", () -> rt.handler.onDisconnect(this, last)));
    }

    // ---------------------------------------------------------------- write-through

    /**
     * Write-through: saves the context now (see {@link WriteThrough#save}). Called when the session
     * starts and before every final DONE of a command, so a DONE the client saw is durable.
     *
     * @return false if another server has taken the session over: it ends here, nothing more is sent
     */
    boolean saveThrough() {
        return writeThrough.save();
    }

    /**
     * The claim this session was resumed with is confirmed. An idle session ({@code idle}: no
     * in-batch request came with it) is saved now: from here on a crash of this server leaves it
     * resumable. Not before: the save replaces the claim with a record under the new token, and a
     * client that never saw our WELCOME could then no longer take the session over with the token it
     * has. (A command's save needs no wait: the client sent it after the WELCOME.) An in-batch
     * session is saved before its final DONE.
     */
    void onClaimConfirmed(boolean idle) {
        if (writeThrough.enabled() && idle) executor.execute(writeThrough::save);
    }

    /** The claim this session was resumed with was taken over before this server confirmed it (see {@link WriteThrough#onClaimLost}). */
    void onClaimLost() {
        writeThrough.onClaimLost();
    }

    /** Another server has taken the session over: this copy ends here. */
    void endTakenOver() {
        write(new Frame.Goodbye(GoodbyeReason.MOVED, "the session was resumed on another server"));
        channel.close();
    }

    // ---------------------------------------------------------------- request execution (executor)

    private void runCommand(ServerRequest request) {
        boolean serve;
        synchronized (this) {
            serve = lifecycle.servesCommands() && barrier.admits(request.id());
            if (serve) running = request;
        }
        if (!serve) {
            // Invariant 4: once the context is exported this server runs nothing; the client re-sends it.
            // After a cancel the barrier goes on deferring until the client's re-sends arrive. The id is
            // free again before the DEFERRED goes out: a client that re-sends at once must not find it in use.
            open.remove(request.id(), request);
            if (request.defer()) {
                rt.metrics.commandsDeferred.increment();
                synchronized (this) {
                    barrier.deferred(request.id());
                }
            }
            return;
        }
        if (!request.start()) {
            idle(request);
            return;
        }
        rt.metrics.commands.increment();
        runHandler(request, "onCommand", () -> rt.handler.onCommand(this, request));
    }

    private void runResumed(ServerRequest request) {
        synchronized (this) {
            running = request;
        }
        open.put(request.id(), request);
        if (!request.start()) {
            idle(request);
            return;
        }
        runHandler(request, "onMigrateResume", () -> rt.handler.onMigrateResume(this, request));
    }

    private void runHandler(ServerRequest request, String event, HandlerCall call) {
        try {
            call.run();
        } catch (Throwable t) {
            log.error("session {}: {} failed for {}", id, event, request, t);
            request.fail("internal error: " + t.getClass().getSimpleName()
                    + (t.getMessage() == null ? "" : ": " + t.getMessage()));
        }
        switch (request.phase()) {
            case RUNNING -> {
                if (request.done()) {
                    rt.metrics.missingDone.increment();
                    log.warn(
                            "session {}: {} returned without a final DONE for {}; the SDK sent it", id, event, request);
                }
            }
            case SUSPENDED -> {
                synchronized (this) {
                    running = null;
                }
                export(request);
                return;
            }
            default -> {}
        }
        idle(request);
    }

    private void idle(ServerRequest finished) {
        if (finished.phase() == ServerRequest.Phase.FINISHED) open.remove(finished.id(), finished);
        synchronized (this) {
            running = null;
        }
        maybeExport();
    }

    private void resumeLocally(ServerRequest request) {
        // Its id is in use again from now, not from when it runs: a COMMAND reusing the id in between
        // would otherwise be taken as a second request with the same id (found by SessionCoverageFuzzTest).
        open.put(request.id(), request);
        executor.execute(() -> runResumed(request));
    }

    // ---------------------------------------------------------------- migration (executor + timers)

    /** Queues an export if a migration waits and the session is at a migration point. */
    private void maybeExport() {
        synchronized (this) {
            if (!atMigrationPoint() || exportQueued) return;
            exportQueued = true;
        }
        // Here when nothing of the session runs: the export only starts a store call, and a thread of its
        // own would cost more than the work.
        executor.executeHere(() -> {
            synchronized (this) {
                exportQueued = false;
            }
            export(null);
        });
    }

    /**
     * The migration point: exports the context (with the suspended request, if any), then tells
     * the client where to go. A task of the session's executor, which it holds until the store has
     * answered ({@link SerialExecutor#holdUntil}): no command runs between the encode and the MIGRATE,
     * and no thread waits for the store meanwhile.
     */
    private void export(ServerRequest inBatch) {
        synchronized (this) {
            if (!atMigrationPoint()) {
                // Not after the connection closed: the migration still waits, so the resumed command would
                // suspend again at once, forever (a busy loop found by SessionCoverageFuzzTest).
                if (inBatch != null && !lifecycle.closed()) resumeLocally(inBatch);
                else if (inBatch != null) open.remove(inBatch.id(), inBatch);
                return;
            }
        }
        if (rt.timers.migrationDisabled()) {
            // Both timers 0: a drain closes the connection at the session's next migration point.
            close("server is shutting down and migration is disabled (both timers are 0)");
            return;
        }
        byte[] payload = ContextCodec.encode(context, inBatch == null ? null : inBatch.toInBatch());
        long started = System.nanoTime();
        Duration ttl;
        synchronized (this) {
            ttl = rt.timers.exportTtl(Duration.ofMillis(idleMigrationLeftMillis()));
        }
        CompletableFuture<Void> stored;
        try {
            stored = rt.store
                    .export(id, new ExportedContext(tokenHash, payload), ttl)
                    .orTimeout(rt.options.storeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            stored = CompletableFuture.failedFuture(e);
        }
        executor.holdUntil(stored.handle((ok, failure) -> {
            rt.metrics.exportTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            try {
                if (failure == null) exported(inBatch);
                else exportFailed(inBatch, failure);
            } catch (RuntimeException e) {
                rt.metrics.internalErrors.increment();
                log.error("session {}: finishing the export failed", id, e);
            }
            return null;
        }));
    }

    /** The store has the context: the client is told where to go. Still holding the executor. */
    private void exported(ServerRequest inBatch) {
        boolean closeNow;
        synchronized (this) {
            if (!apply(Event.EXPORTED)) {
                // Cancelled (or the client left) while we exported: nobody is going to resume it.
                rt.store.delete(id);
                if (inBatch != null && !lifecycle.closed()) resumeLocally(inBatch);
                return;
            }
            exportedRequest = inBatch;
            barrier.raise();
            if (inBatch != null) open.remove(inBatch.id(), inBatch);
            write(migrateFrame(inBatch));
            migrateSentNanos = System.nanoTime();
            closeNow = rt.timers.closesAtOnce();
        }
        rt.metrics.migrationsExported.increment();
        if (closeNow) {
            write(new Frame.Goodbye(GoodbyeReason.MIGRATING, "resume at the target; this server closes now"));
            channel.close();
        }
    }

    /** The store did not take the context: the session stays, and an in-batch request goes on here. */
    private void exportFailed(ServerRequest inBatch, Throwable failure) {
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        String why = cause instanceof TimeoutException
                ? "no answer within " + rt.options.storeTimeout().toMillis() + " ms"
                : cause.getMessage();
        synchronized (this) {
            fail(
                    Event.EXPORT_FAILED,
                    "store_unavailable",
                    "could not export the context to " + rt.store.describe() + ": " + why);
        }
        if (inBatch != null) resumeLocally(inBatch);
    }

    private Frame.Migrate migrateFrame(ServerRequest inBatch) {
        return new Frame.Migrate(
                migrationId,
                inBatch == null ? 0 : inBatch.id(),
                Math.min(idleMigrationLeftMillis(), 0xFFFF_FFFFL),
                targets);
    }

    /**
     * What is left of the idle migration timer, which runs from the migration request: how long the source
     * still keeps the connection open (0 when it closes at once). Caller holds the lock.
     */
    private long idleMigrationLeftMillis() {
        return rt.timers.closesAtOnce()
                ? 0
                : Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineAtNanos - System.nanoTime()));
    }

    private void armDeadline(Duration after) {
        disarmDeadline();
        deadlineAtNanos = System.nanoTime() + after.toNanos();
        if (rt.timers.migrationDisabled()) return;
        int forMigration = migrationId;
        deadline = channel.eventLoop().schedule(() -> onDeadline(forMigration), after.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void disarmDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    /** The idle migration timer (or the bound on reaching a migration point) ran out. Event loop. */
    private void onDeadline(int forMigration) {
        synchronized (this) {
            if (forMigration != migrationId || lifecycle.closed()) return;
            deadline = null;
            if (lifecycle == SessionLifecycle.REQUESTED) {
                fail(
                        Event.REQUEST_TIMED_OUT,
                        holds > 0 ? "held" : "busy",
                        "no migration point within "
                                + rt.timers.requestBound().toSeconds() + " s ("
                                + (holds > 0
                                        ? "the application held the migration"
                                        : "a command without checkpoints was still running")
                                + ")");
                return;
            }
            if (lifecycle != SessionLifecycle.READY) return; // CANCELLING: the claim under way decides
            if (rt.timers.sessionIdle().isZero()) {
                // Session idle timer 0: a migration not done within the idle migration timer is invalid.
                rt.store.delete(id);
                fail(
                        Event.EXPIRED,
                        "expired",
                        "the client did not move within the idle migration timer and the session idle timer is 0");
            } else {
                rt.store.expire(id, rt.timers.sessionIdle());
                // Not a completed move: the client has not come yet and may resume within the session idle timer.
                apply(Event.HANDED_OFF);
                rt.metrics.migrationsHandedOff.increment();
            }
        }
        write(new Frame.Goodbye(GoodbyeReason.MIGRATING, "idle migration timer expired; resume at the target"));
        channel.close();
    }

    /** Fails the migration if {@code event} applies now. Caller holds the lock. */
    private void fail(Event event, String reason, String detail) {
        if (lifecycle.next(event) == null) return;
        disarmDeadline();
        apply(event);
        rt.metrics.migrationFailed(reason, "session " + id + ": " + detail);
        log.warn("session {}: migration failed, session stays here: {}", id, detail);
    }

    /** REQUESTED, and nothing keeps the session from exporting now. Caller holds the lock. */
    private boolean atMigrationPoint() {
        return lifecycle == SessionLifecycle.REQUESTED && holds == 0 && running == null;
    }

    /**
     * Moves the lifecycle on by {@code event}, the only way it changes: the session counts by state
     * follow, handlers hear of a change of the state they see, and so does whoever watches the server's
     * sessions (a drain). Caller holds the lock.
     *
     * @return false if the event does not apply now (nothing changed)
     */
    private boolean apply(Event event) {
        SessionLifecycle from = lifecycle;
        SessionLifecycle to = from.next(event);
        if (to == null) return false;
        if (to == from) return true;
        lifecycle = to;
        MigrationState shownBefore = from.shown();
        MigrationState shownNow = to.shown();
        if (shownBefore != shownNow) {
            if (!from.closed()) rt.metrics.moved(shownBefore, shownNow);
            updateYield();
            notifier.execute(
                    () -> call("onMigrateState", () -> rt.handler.onMigrateState(this, shownBefore, shownNow)));
        }
        if (to.closed() && !from.closed()) rt.metrics.closed(shownNow);
        rt.sessionChanged(this);
        return true;
    }

    private void updateYield() {
        yieldWanted = lifecycle.shown() == MigrationState.REQUESTED && holds == 0 && !rt.timers.migrationDisabled();
    }

    boolean migrationWaiting() {
        return yieldWanted;
    }

    // ---------------------------------------------------------------- writing

    /** Writes one frame; frames written by one thread reach the client in call order. */
    boolean write(Frame frame) {
        if (!channel.isActive()) return false;
        channel.writeAndFlush(frame, channel.voidPromise());
        return true;
    }

    /** Blocks a handler thread while the client is not reading fast enough. */
    void awaitWritable() {
        if (channel.isWritable() || !channel.isActive()) return;
        rt.metrics.backpressureWaits.increment();
        writability.lock();
        try {
            while (!channel.isWritable() && channel.isActive()) {
                writable.await(200, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            writability.unlock();
        }
    }

    // ---------------------------------------------------------------- helpers

    private void call(String event, HandlerCall call) {
        try {
            call.run();
        } catch (Throwable t) {
            log.error("session {}: {} handler failed", id, event, t);
        }
    }

    @FunctionalInterface
    private interface HandlerCall {
        void run() throws Exception;
    }

    private static List<String> rotate(List<String> targets, int by) {
        int n = targets.size();
        int shift = Math.floorMod(by, n);
        if (shift == 0) return List.copyOf(targets);
        List<String> r = new ArrayList<>(n);
        for (int i = 0; i < n; i++) r.add(targets.get((i + shift) % n));
        return List.copyOf(r);
    }

    private static String truncate(String s) {
        return s.length() > 1000 ? s.substring(0, 1000) : s;
    }

    @Override
    public String toString() {
        return "session " + id;
    }
}
