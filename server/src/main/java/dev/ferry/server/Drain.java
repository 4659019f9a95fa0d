package dev.ferry.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Asks every session of a server to migrate, at most {@code ratePerSecond} a second (a token
 * bucket refilled every tick), spreading them over the targets. Each session is asked once per
 * drain; one that FAILS stays, and the drain reports it.
 */
public final class Drain {
    private static final Logger log = LoggerFactory.getLogger(Drain.class);
    private static final long TICK_MILLIS = 10;

    private final List<String> targets;
    private final double ratePerSecond;
    private final Deque<ServerSession> pending;
    private final AtomicInteger requested = new AtomicInteger();
    private final long startedNanos = System.nanoTime();
    private double tokens;
    private long lastTick = startedNanos;
    private volatile boolean cancelled;
    private ScheduledFuture<?> task;

    Drain(List<String> targets, double ratePerSecond, List<ServerSession> sessions) {
        this.targets = List.copyOf(targets);
        this.ratePerSecond = ratePerSecond;
        this.pending = new ArrayDeque<>(sessions);
    }

    void start(ScheduledExecutorService scheduler) {
        task = scheduler.scheduleAtFixedRate(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private synchronized void tick() {
        if (cancelled) return;
        long now = System.nanoTime();
        int budget;
        if (ratePerSecond <= 0) {
            budget = Integer.MAX_VALUE;
        } else {
            // At most one second's worth may pile up, so a stalled scheduler does not burst.
            tokens = Math.min(ratePerSecond, tokens + ratePerSecond * (now - lastTick) / 1e9);
            budget = (int) tokens;
            tokens -= budget;
        }
        lastTick = now;
        ServerSession s;
        while (budget > 0 && (s = pending.poll()) != null) {
            try {
                if (s.requestMigration(targets, requested.get())) {
                    requested.incrementAndGet();
                    budget--;
                }
            } catch (RuntimeException e) {
                log.warn("drain: could not request migration of {}: {}", s, e.toString());
            }
        }
        if (pending.isEmpty()) task.cancel(false);
    }

    /** Stops asking further sessions; migrations already requested are cancelled by the caller. */
    synchronized void cancel() {
        cancelled = true;
        if (task != null) task.cancel(false);
    }

    public List<String> targets() { return targets; }
    public double ratePerSecond() { return ratePerSecond; }
    public int requested() { return requested.get(); }
    public synchronized int notYetRequested() { return pending.size(); }
    public boolean cancelled() { return cancelled; }
    public long elapsedMillis() { return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos); }
}
