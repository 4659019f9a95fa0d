package dev.ferry.server;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one session's tasks one at a time, in submission order, on a shared executor (virtual
 * threads). An idle session holds no thread, which is what lets one server keep 100,000 of them.
 */
final class SerialExecutor implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

    private final Executor delegate;
    private final Runnable onFailure;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    /** @param onFailure counts a task that threw (an SDK bug: application code is called with its own guard) */
    SerialExecutor(Executor delegate, Runnable onFailure) {
        this.delegate = delegate;
        this.onFailure = onFailure;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (scheduled.compareAndSet(false, true)) delegate.execute(this::drain);
    }

    private void drain() {
        for (; ; ) {
            Runnable task;
            while ((task = tasks.poll()) != null) {
                try {
                    task.run();
                } catch (Throwable t) {
                    onFailure.run();
                    log.error("session task failed", t);
                }
            }
            scheduled.set(false);
            // A task added after the last poll but before the flag cleared would be stranded.
            if (tasks.isEmpty() || !scheduled.compareAndSet(false, true)) return;
        }
    }
}
