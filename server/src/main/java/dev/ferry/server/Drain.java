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
 * bucket refilled every tick), spreading them over the targets.
 *
 * <p>Even at an unlimited rate, at most {@link #MAX_EXPORTS_IN_FLIGHT} sessions wait for their
 * export at a time: asking ten thousand at once only queues them behind one store connection
 * until their store timeout fires. And at most {@link #MAX_MOVING} sessions are on their way at
 * a time (asked, or told MIGRATE and not gone yet): the benchmark's profile showed that telling
 * thousands of clients to move at once does not move them faster on a busy machine, it only makes
 * each of them wait in line at the targets, so every client-visible pause became about as long as
 * the whole drain. A client that does not act on MIGRATE stops counting after
 * {@link #MOVING_FOR_AT_MOST_NANOS}, so a few stuck clients cannot stall a drain. A session whose migration FAILS (store unreachable, held
 * too long) is asked again, up to {@link #MAX_ATTEMPTS} times in all; after that it stays and
 * the drain reports it.
 */
public final class Drain {
    private static final Logger log = LoggerFactory.getLogger(Drain.class);
    private static final long TICK_MILLIS = 2;
    /** How often failed migrations are looked for (they surface within a store timeout). */
    private static final int REQUEUE_EVERY_TICKS = (int) (200 / TICK_MILLIS);
    static final int MAX_EXPORTS_IN_FLIGHT = 512;
    static final int MAX_MOVING = 64;
    static final long MOVING_FOR_AT_MOST_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final int MAX_ATTEMPTS = 3;

    private final List<String> targets;
    private final double ratePerSecond;
    private final Deque<ServerSession> pending;
    private final java.util.Map<ServerSession, Integer> attempts = new java.util.HashMap<>();
    private final java.util.function.LongSupplier exportsInFlight;
    private final AtomicInteger requested = new AtomicInteger();
    private final AtomicInteger gaveUp = new AtomicInteger();
    private final java.util.Set<ServerSession> queuedAgain = new java.util.HashSet<>();
    /** Sessions asked to move and not known to be gone, with when they were asked. */
    private final java.util.Map<ServerSession, Long> movingSince = new java.util.HashMap<>();
    private int ticks;
    private final long startedNanos = System.nanoTime();
    private double tokens;
    private long lastTick = startedNanos;
    private volatile boolean cancelled;
    private ScheduledFuture<?> task;

    /** @param exportsInFlight how many of the server's sessions are REQUESTED and not yet exported */
    Drain(List<String> targets, double ratePerSecond, List<ServerSession> sessions, java.util.function.LongSupplier exportsInFlight) {
        this.targets = List.copyOf(targets);
        this.ratePerSecond = ratePerSecond;
        this.pending = new ArrayDeque<>(sessions);
        this.exportsInFlight = exportsInFlight;
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
        // Failures surface within a store timeout; looking for them every 200 ms is soon enough.
        if (++ticks % REQUEUE_EVERY_TICKS == 0) requeueFailed();
        budget = (int) Math.min(budget, Math.max(0, MAX_EXPORTS_IN_FLIGHT - exportsInFlight.getAsLong()));
        budget = Math.min(budget, Math.max(0, MAX_MOVING - moving(now)));
        ServerSession s;
        while (budget > 0 && (s = pending.poll()) != null) {
            try {
                if (s.requestMigration(targets, requested.get())) {
                    requested.incrementAndGet();
                    movingSince.put(s, now);
                    attempts.merge(s, 1, Integer::sum);
                    queuedAgain.remove(s);
                    budget--;
                }
            } catch (RuntimeException e) {
                log.warn("drain: could not request migration of {}: {}", s, e.toString());
            }
        }
        if (pending.isEmpty() && attempts.keySet().stream().noneMatch(Drain::mayFailYet)) task.cancel(false);
    }

    /** Sessions asked recently that are still here, waiting for their export or for their client to leave. */
    private int moving(long now) {
        var it = movingSince.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            MigrationState st = e.getKey().migrationState();
            boolean onItsWay = !e.getKey().isClosed() && (st == MigrationState.REQUESTED || st == MigrationState.READY);
            if (!onItsWay || now - e.getValue() > MOVING_FOR_AT_MOST_NANOS) it.remove();
        }
        return movingSince.size();
    }

    /** Sessions whose migration failed go to the back of the queue, until they are out of attempts. */
    private void requeueFailed() {
        var it = attempts.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            MigrationState state = e.getKey().migrationState();
            if (state == MigrationState.MIGRATING || e.getKey().isClosed()) {
                it.remove(); // done with this one
            } else if (state == MigrationState.FAILED && !queuedAgain.contains(e.getKey())) {
                if (e.getValue() < MAX_ATTEMPTS) {
                    pending.add(e.getKey());
                    queuedAgain.add(e.getKey());
                } else {
                    it.remove();
                    gaveUp.incrementAndGet();
                    log.warn("drain: {} failed to migrate {} times; it stays", e.getKey(), MAX_ATTEMPTS);
                }
            }
        }
    }

    private static boolean mayFailYet(ServerSession s) {
        MigrationState st = s.migrationState();
        return st == MigrationState.REQUESTED || st == MigrationState.READY || st == MigrationState.FAILED;
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
    /** Sessions that failed to migrate {@link #MAX_ATTEMPTS} times and stay on this server. */
    public int gaveUp() { return gaveUp.get(); }
    public long elapsedMillis() { return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos); }
}
