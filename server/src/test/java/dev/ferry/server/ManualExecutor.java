package dev.ferry.server;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs session tasks only when a test says so, one at a time on the test's thread: the
 * deterministic stand-in for the SDK's virtual threads, so a fuzzer can replay an interleaving.
 */
final class ManualExecutor extends AbstractExecutorService {
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean shutdown;

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
    }

    /** Runs up to {@code max} queued tasks (and none queued meanwhile beyond that); @return how many ran */
    int run(int max) {
        int ran = 0;
        Runnable t;
        while (ran < max && (t = tasks.poll()) != null) {
            t.run();
            ran++;
        }
        return ran;
    }

    int queued() {
        return tasks.size();
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> left = List.copyOf(tasks);
        tasks.clear();
        return left;
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown && tasks.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }
}
