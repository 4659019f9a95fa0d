package dev.ferry.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks every session of a server to migrate, at most {@code ratePerSecond} a second (a
 * {@link DrainRate}), spreading them over the targets.
 *
 * <p>Even at an unlimited rate, at most {@link #MAX_EXPORTS_IN_FLIGHT} sessions wait for their
 * export at a time: asking ten thousand at once only queues them behind one store connection
 * until their store timeout fires. And only a {@link DrainWindow} of sessions is on its way at a
 * time (asked, or told MIGRATE and not gone yet), sized by how long their moves take: the
 * benchmark's profile showed that telling thousands of clients to move at once does not move them
 * faster on a busy machine, it only makes each of them wait in line at the targets, so every
 * client-visible pause became about as long as the whole drain. No fixed window fits every
 * fleet: a large one still lets the moves of a busy pod wait behind each other, and every pause
 * grows with it; a small one caps the drain's rate where moves are slow without waiting (a network
 * between the pods). A client that does not act on MIGRATE stops counting after
 * {@link #MOVING_FOR_AT_MOST_NANOS}, so a few stuck clients cannot stall a drain. A session whose
 * migration FAILS (store unreachable, held too long) is asked again, up to {@link #MAX_ATTEMPTS}
 * times in all; after that it stays and the drain reports it.
 *
 * <p>The drain acts on events, not on a clock that looks at every session: the server's sessions
 * tell it when their lifecycle changes ({@link #sessionChanged}), which is when room may have come
 * free (a session exported, left, failed or closed), and it asks the next ones then. It sets a timer
 * only where time itself is what it waits for: its rate's next token, a client's time on its way
 * running out, the next re-ask of failed migrations.
 */
public final class Drain {
    private static final Logger log = LoggerFactory.getLogger(Drain.class);
    static final int MAX_EXPORTS_IN_FLIGHT = 512;
    static final long MOVING_FOR_AT_MOST_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final int MAX_ATTEMPTS = 3;
    /** Failed migrations are asked again on this beat: a failure takes up to a store timeout to surface anyway. */
    static final long ASK_FAILED_AGAIN_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final List<String> targets;
    private final double ratePerSecond;
    private final LongSupplier exportsInFlight;
    private final ScheduledExecutorService scheduler;
    private final long startedNanos = System.nanoTime();
    private final long startedEpochMillis = System.currentTimeMillis();
    private final int sessionsAtStart;
    private final AtomicInteger requested = new AtomicInteger();
    private final AtomicInteger gaveUp = new AtomicInteger();
    /** Sessions whose lifecycle changed since the drain last looked: any thread adds, the drain's thread takes. */
    private final Queue<ServerSession> changed = new ConcurrentLinkedQueue<>();

    private final AtomicBoolean lookQueued = new AtomicBoolean();
    private volatile boolean cancelled;
    /** Cancelled, or nothing left to do: nothing to ask, and no session it asked can fail any more. */
    private volatile boolean over;

    // Guarded by this; changed on the scheduler's thread only (and by cancel).
    /** Null at an unlimited rate. */
    private final DrainRate rate;

    private final Deque<ServerSession> pending;
    /** Sessions asked, with how often, until they are gone, have left by migration, or it gave up on them. */
    private final Map<ServerSession, Integer> attempts = new HashMap<>();
    /** Sessions asked that were REQUESTED, READY or FAILED when last heard of: the drain is over when none is left. */
    private final Set<ServerSession> mayFailYet = new HashSet<>();
    /** Sessions that failed since the last re-ask, to be asked again at the next beat. */
    private final Set<ServerSession> failed = new LinkedHashSet<>();

    private long askFailedAt;
    /** Failed sessions back in {@link #pending}, not asked again yet. */
    private final Set<ServerSession> queuedAgain = new HashSet<>();

    private final SessionsOnTheirWay onTheirWay = new SessionsOnTheirWay(MOVING_FOR_AT_MOST_NANOS);
    private final DrainWindow window = new DrainWindow(DrainWindow.SERVER);
    private ScheduledFuture<?> wakeUp;
    private long wakeUpAt;

    /**
     * @param exportsInFlight how many of the server's sessions are REQUESTED and not yet exported
     * @param scheduler       the drain's own thread: everything it does runs there
     */
    Drain(
            List<String> targets,
            double ratePerSecond,
            List<ServerSession> sessions,
            LongSupplier exportsInFlight,
            ScheduledExecutorService scheduler) {
        this.targets = List.copyOf(targets);
        this.ratePerSecond = ratePerSecond;
        this.rate = ratePerSecond > 0 ? new DrainRate(ratePerSecond, startedNanos) : null;
        this.pending = new ArrayDeque<>(sessions);
        this.sessionsAtStart = sessions.size();
        this.exportsInFlight = exportsInFlight;
        this.scheduler = scheduler;
    }

    /** Starts asking. The drain must hear of session changes ({@link #sessionChanged}) from before this. */
    void start() {
        lookSoon();
    }

    /**
     * A session of the server changed: the drain looks again soon, on its own thread. Called under the
     * session's lock, from any thread, so it only takes note.
     */
    void sessionChanged(ServerSession session) {
        if (over) return;
        changed.add(session);
        lookSoon();
    }

    private void lookSoon() {
        if (!lookQueued.compareAndSet(false, true)) return;
        try {
            scheduler.execute(this::look);
        } catch (RejectedExecutionException e) {
            lookQueued.set(false); // the server is closing
        }
    }

    private synchronized void look() {
        lookQueued.set(false);
        if (over) return;
        long now = System.nanoTime();
        for (ServerSession s; (s = changed.poll()) != null; ) heardFrom(s, now);
        if (!failed.isEmpty() && now - askFailedAt >= 0) askFailedAgain();
        askNext(now);
        if (pending.isEmpty() && mayFailYet.isEmpty()) {
            over = true;
            if (wakeUp != null) wakeUp.cancel(false);
            return;
        }
        wakeUpForTime(now);
    }

    /** Takes in what became of a session since it was asked. */
    private void heardFrom(ServerSession s, long now) {
        if (!attempts.containsKey(s)) return; // not one it asked: the change only made room (exports in flight)
        SessionLifecycle lifecycle = s.lifecycle();
        MigrationState state = lifecycle.shown();
        boolean onItsWay = !lifecycle.closed() && (state == MigrationState.REQUESTED || state == MigrationState.READY);
        if (!onItsWay) {
            Long askedAt = onTheirWay.arrived(s);
            // Only moves that ended by moving say how long a move takes (not a failure, a cancel, a stuck client).
            if (askedAt != null && (lifecycle.closed() || state == MigrationState.MIGRATING))
                window.moved(now - askedAt);
        }
        if (lifecycle.closed() || state == MigrationState.MIGRATING) {
            forget(s); // done with this one
            return;
        }
        if (onItsWay || state == MigrationState.FAILED) mayFailYet.add(s);
        else mayFailYet.remove(s);
        if (state == MigrationState.FAILED && !queuedAgain.contains(s)) {
            if (failed.isEmpty()) {
                long beats = (now - startedNanos) / ASK_FAILED_AGAIN_EVERY_NANOS + 1;
                askFailedAt = startedNanos + beats * ASK_FAILED_AGAIN_EVERY_NANOS;
            }
            failed.add(s);
        }
    }

    /** Sessions whose migration failed go to the back of the queue, until they are out of attempts. */
    private void askFailedAgain() {
        List<ServerSession> due = new ArrayList<>(failed);
        failed.clear();
        for (ServerSession s : due) {
            SessionLifecycle now = s.lifecycle();
            if (now.closed() || now.shown() == MigrationState.MIGRATING) {
                forget(s);
            } else if (now.shown() == MigrationState.FAILED && !queuedAgain.contains(s) && attempts.containsKey(s)) {
                if (attempts.get(s) < MAX_ATTEMPTS) {
                    pending.add(s);
                    queuedAgain.add(s);
                } else {
                    forget(s);
                    gaveUp.incrementAndGet();
                    log.warn("drain: {} failed to migrate {} times; it stays", s, MAX_ATTEMPTS);
                }
            }
        }
    }

    private void forget(ServerSession s) {
        attempts.remove(s);
        mayFailYet.remove(s);
        failed.remove(s);
        onTheirWay.arrived(s);
    }

    private void askNext(long now) {
        int room = (int) Math.min(
                Math.max(0, MAX_EXPORTS_IN_FLIGHT - exportsInFlight.getAsLong()),
                Math.max(0, window.size() - onTheirWay.count(now)));
        int allowed = rate == null ? Integer.MAX_VALUE : rate.take(now);
        int budget = Math.min(allowed, room);
        ServerSession s;
        while (budget > 0 && (s = pending.poll()) != null) {
            try {
                if (s.requestMigration(targets, requested.get())) {
                    requested.incrementAndGet();
                    onTheirWay.asked(s, now);
                    attempts.merge(s, 1, Integer::sum);
                    mayFailYet.add(s);
                    queuedAgain.remove(s);
                    budget--;
                }
            } catch (RuntimeException e) {
                log.warn("drain: could not request migration of {}: {}", s, e.toString());
            }
        }
        if (rate != null) rate.waitingForTokens(!pending.isEmpty() && allowed < room);
    }

    /** Sets the one timer for what only time brings; everything else comes as a session change. */
    private void wakeUpForTime(long now) {
        long in = Long.MAX_VALUE;
        if (rate != null && rate.waitingForTokens()) in = rate.nanosUntilNextLook(now);
        if (!pending.isEmpty() && onTheirWay.count(now) >= window.size())
            in = Math.min(in, onTheirWay.nanosUntilOldestStops(now));
        if (!failed.isEmpty()) in = Math.min(in, Math.max(0, askFailedAt - now));
        if (in == Long.MAX_VALUE) return;
        if (wakeUp != null) {
            if (wakeUpAt - (now + in) <= 0) return; // one as soon is set already
            wakeUp.cancel(false);
        }
        wakeUpAt = now + in;
        wakeUp = scheduler.schedule(this::wokeUp, in, TimeUnit.NANOSECONDS);
    }

    private synchronized void wokeUp() {
        wakeUp = null;
        look();
    }

    /** Stops asking further sessions; migrations already requested are cancelled by the caller. */
    synchronized void cancel() {
        cancelled = true;
        over = true;
        if (wakeUp != null) wakeUp.cancel(false);
    }

    public List<String> targets() {
        return targets;
    }

    public double ratePerSecond() {
        return ratePerSecond;
    }

    public int requested() {
        return requested.get();
    }

    public synchronized int notYetRequested() {
        return pending.size();
    }

    public boolean cancelled() {
        return cancelled;
    }
    /** Sessions that failed to migrate {@link #MAX_ATTEMPTS} times and stay on this server. */
    public int gaveUp() {
        return gaveUp.get();
    }

    /** When the drain started, in milliseconds since the epoch. */
    public long startedAtEpochMillis() {
        return startedEpochMillis;
    }

    public int sessionsAtStart() {
        return sessionsAtStart;
    }

    /**
     * When the drain should have ended by its rate and timers, in milliseconds since the epoch: its start +
     * sessions at start / rate (nothing at an unlimited rate) + {@code idleMigration} + {@link #DEADLINE_MARGIN_MILLIS}.
     * The operator deletes a pod whose drain is still running then.
     */
    public long deadlineEpochMillis(java.time.Duration idleMigration) {
        long asking = ratePerSecond > 0 ? (long) Math.ceil(sessionsAtStart * 1000.0 / ratePerSecond) : 0;
        return startedEpochMillis + asking + idleMigration.toMillis() + DEADLINE_MARGIN_MILLIS;
    }

    /** The margin on top of a drain's rate and idle migration timer, as the operator's drain deadline has. */
    public static final long DEADLINE_MARGIN_MILLIS = 5_000;

    public long elapsedMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }
}
