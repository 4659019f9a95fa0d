package dev.ferry.server;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one session's tasks one at a time, in submission order, on a shared executor (virtual
 * threads). An idle session holds no thread, which is what lets one server keep 100,000 of them.
 *
 * <p>Tasks that do not block (commands the application declared so) can run on the session's
 * event loop instead ({@link #executeOn}). A task that starts asynchronous work the next task must not overtake (an export to the
 * store) {@link #holdUntil holds} the executor until that work completes, instead of blocking a
 * thread on it; and a short task that must not block ({@link #executeHere}) runs on the calling
 * thread when nothing of the session runs or waits, instead of waking a thread of its own.
 */
final class SerialExecutor implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

    private final Executor delegate;
    private final Runnable onFailure;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Whether some thread owns the executor: draining it, running a task here, or holding it for a stage. */
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /**
     * What the task running now holds the executor for ({@link #holdUntil}). Only the owner reads or
     * writes it; ownership passes through {@link #scheduled} and {@link #tasks}, which order it.
     */
    private CompletableFuture<?> hold;

    // Made once: a session hands them to an executor every time it goes from idle to busy.
    private final Runnable drainTask = this::drain;
    private final Runnable drainOnLoopTask = this::drainOnLoop;

    /** @param onFailure counts a task that threw (an SDK bug: application code is called with its own guard) */
    SerialExecutor(Executor delegate, Runnable onFailure) {
        this.delegate = delegate;
        this.onFailure = onFailure;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (scheduled.compareAndSet(false, true)) delegate.execute(drainTask);
    }

    /**
     * Runs {@code task} on the calling thread if nothing of this session runs or waits to run now, and
     * queues it like {@link #execute} otherwise. The task must not block: it runs on whatever thread
     * calls (a drain's, an event loop).
     */
    void executeHere(Runnable task) {
        if (!tasks.isEmpty() || !scheduled.compareAndSet(false, true)) {
            execute(task);
            return;
        }
        if (runHeld(task)) release();
    }

    /**
     * Queues a task that does not block to run on {@code loop} (the session's event loop), and with it
     * every such task queued behind it, without a thread of its own; the first task that may block
     * after them goes to the shared executor. It runs as a task of {@code loop}, even when called
     * there: frames that tasks on other threads wrote before are waiting in that loop's task queue, and
     * they must reach the client first.
     */
    void executeOn(Executor loop, LoopTask task) {
        tasks.add(task);
        if (scheduled.compareAndSet(false, true)) loop.execute(drainOnLoopTask);
    }

    /** A task that does not block, so it may run on the session's event loop ({@link #executeOn}). */
    @FunctionalInterface
    interface LoopTask extends Runnable {}

    /** {@link #drain} on the session's event loop: its tasks while they do not block. */
    private void drainOnLoop() {
        for (; ; ) {
            Runnable task;
            // Only the owner takes tasks; others only add behind, so the task looked at is the one taken.
            while ((task = tasks.peek()) instanceof LoopTask) {
                tasks.poll();
                if (!runHeld(task)) return;
            }
            if (task != null) {
                delegate.execute(drainTask); // one that may block: a thread of its own, still in order
                return;
            }
            scheduled.set(false);
            if (tasks.isEmpty() || !scheduled.compareAndSet(false, true)) return;
        }
    }

    /**
     * Called by the running task: the next task starts only once {@code stage} has completed (whatever
     * its outcome). The task's thread is free meanwhile.
     */
    void holdUntil(CompletableFuture<?> stage) {
        hold = stage;
    }

    private void drain() {
        for (; ; ) {
            Runnable task;
            while ((task = tasks.poll()) != null) {
                if (!runHeld(task)) return;
            }
            scheduled.set(false);
            // A task added after the last poll but before the flag cleared would be stranded.
            if (tasks.isEmpty() || !scheduled.compareAndSet(false, true)) return;
        }
    }

    /**
     * Runs one task as the owner. @return true if the caller still owns the executor; false if the task
     * left a hold that has not completed: its completion takes the executor over.
     */
    private boolean runHeld(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            onFailure.run();
            log.error("session task failed", t);
        }
        CompletableFuture<?> stage = hold;
        if (stage == null) return true;
        hold = null;
        if (stage.isDone()) return true;
        stage.whenComplete((result, failure) -> afterHold());
        return false;
    }

    /** The hold completed; runs on the thread that completed it, so the rest goes to the delegate. */
    private void afterHold() {
        if (tasks.isEmpty()) release();
        else delegate.execute(drainTask);
    }

    /** Gives the executor up from outside {@link #drain}; takes it back for a task that came meanwhile. */
    private void release() {
        scheduled.set(false);
        if (!tasks.isEmpty() && scheduled.compareAndSet(false, true)) delegate.execute(drainTask);
    }
}
