package dev.ferry.node.bench;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.CommandFailedException;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerryException;
import dev.ferry.client.FerrySession;
import dev.ferry.client.Result;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The benchmark's clients: one session per simulated user, each on a virtual thread, in a closed
 * loop of mixed commands (PING, ECHO, session variables SET then GET-verified, INCR-verified
 * counters, short STREAMs) with a think time. Each user knows what its session's state must be, so
 * a lost session variable is detected, not assumed. A user whose session is gone (what happens
 * without migration) opens a new one on a live pod, as an application would, and first checks
 * whether its variables came along.
 *
 * <p>On the node every session opens through the fleet's client Service, as an in-cluster application's would:
 * kube-proxy picks a serving pod for each connection, and a replacement session goes the same way.
 */
final class ClosedLoopClients implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClosedLoopClients.class);
    private static final int STREAM_ROWS = 20;

    private final int users;
    private final Duration thinkTime;
    private final String serviceAddress;
    private final Map<String, FerryClient> clients = new ConcurrentHashMap<>();
    private final List<User> all = new ArrayList<>();
    private final String runId = Long.toString(System.nanoTime(), 36);
    private final Recorder latency = new Recorder(3);
    private final ConcurrentHistogram migrationPauseMicros = new ConcurrentHistogram(3);
    private final ConcurrentHistogram reconnectGapMicros = new ConcurrentHistogram(3);
    private final AtomicLong commandsOk = new AtomicLong();
    private final AtomicLong commandsFailed = new AtomicLong();
    private final AtomicLong violations = new AtomicLong();
    private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    private final CountDownLatch connected;
    private final CountDownLatch finished;
    private volatile boolean stopped;

    /**
     * @param serviceAddress {@code clusterIP:port} of the fleet's client Service: where every session opens,
     *                       the first one and any that replaces a lost one
     */
    ClosedLoopClients(int users, Duration thinkTime, String serviceAddress) {
        this.users = users;
        this.thinkTime = thinkTime;
        this.serviceAddress = serviceAddress;
        this.connected = new CountDownLatch(users);
        this.finished = new CountDownLatch(users);
    }

    /** Opens every user's session through the Service and starts the loops; returns once all are open. */
    void start(Duration connectTimeout) throws InterruptedException {
        for (int i = 0; i < users; i++) {
            User u = new User(i);
            all.add(u);
            Thread.ofVirtual().name("bench-user-", i).start(u::run);
        }
        if (!connected.await(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(
                    connected.getCount() + " of " + users + " sessions not open after " + connectTimeout);
        }
    }

    /** Command latency (microseconds) of successful commands since the previous call. */
    synchronized Histogram intervalLatency() {
        return latency.getIntervalHistogram();
    }

    /** Sessions per server name right now (users between sessions are not counted). */
    Map<String, Integer> sessionsPerServer() {
        Map<String, Integer> counts = new TreeMap<>();
        for (User u : all) {
            FerrySession s = u.session;
            if (s != null && s.isOpen() && s.serverName() != null) {
                counts.merge(s.serverName(), 1, Integer::sum);
            }
        }
        return counts;
    }

    long commandsOk() {
        return commandsOk.get();
    }

    long commandsFailed() {
        return commandsFailed.get();
    }

    /** Stops the loops and waits until every user has ended its last command. */
    Outcome stop(Duration timeout) throws InterruptedException {
        stopped = true;
        if (!finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            log.warn("{} users still busy after {}", finished.getCount(), timeout);
        }
        Map<Integer, Integer> migrationsPerUser = new TreeMap<>();
        long sessionsLost = 0;
        long statesLost = 0;
        long usersWithLostState = 0;
        for (User u : all) {
            migrationsPerUser.merge(u.migrations(), 1, Integer::sum);
            sessionsLost += u.sessionsLost;
            statesLost += u.stateLosses;
            usersWithLostState += u.stateLosses > 0 ? 1 : 0;
        }
        Map<String, Long> errorCounts = new TreeMap<>();
        errors.forEach((k, v) -> errorCounts.put(k, v.get()));
        return new Outcome(
                commandsOk.get(),
                commandsFailed.get(),
                violations.get(),
                sessionsLost,
                statesLost,
                usersWithLostState,
                Map.copyOf(migrationsPerUser),
                migrationPauseMicros.copy(),
                reconnectGapMicros.copy(),
                errorCounts);
    }

    /**
     * What the users saw.
     *
     * @param wrongAnswers ECHO or STREAM answers that were not what was asked for
     * @param sessionsLost sessions that ended under a user (each followed by a new session)
     * @param stateLosses times a user found its session variables or counter not as it left them
     * @param migrationsPerUser number of users by how many times their sessions migrated
     * @param reconnectGapMicros per lost session: from the failed command to the first success on a new session
     */
    record Outcome(
            long commandsOk,
            long commandsFailed,
            long wrongAnswers,
            long sessionsLost,
            long stateLosses,
            long usersWithLostState,
            Map<Integer, Integer> migrationsPerUser,
            Histogram migrationPauseMicros,
            Histogram reconnectGapMicros,
            Map<String, Long> errors) {}

    @Override
    public void close() {
        stopped = true;
        clients.values().forEach(FerryClient::close);
        clients.clear();
    }

    private FerryClient clientFor(String address) {
        return clients.computeIfAbsent(
                address,
                a -> FerryClient.create(ClientOptions.builder()
                        .serviceAddress(a)
                        .readAhead(true)
                        .clientName("ferry-bench")
                        .eventLoopThreads(2)
                        .connectTimeout(Duration.ofSeconds(10))
                        .commandTimeout(Duration.ofSeconds(30))
                        .build()));
    }

    private void countError(Throwable e) {
        errors.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicLong())
                .incrementAndGet();
    }

    /** One simulated user and what it knows its session holds. */
    private final class User {
        private final int index;
        private final String varKey;
        private final String counterKey;
        private volatile FerrySession session;
        private int migrationsOfEndedSessions;
        private long sessionsLost;
        private long stateLosses;
        /** Last value SET, null before the first SET; valueKnown false after a SET of uncertain outcome. */
        private String value;

        private boolean valueKnown = true;
        /** The counter as last seen; null when an INCR's outcome is unknown. */
        private Long counter = 0L;

        User(int index) {
            this.index = index;
            this.varKey = "v" + index + "-" + runId;
            this.counterKey = "c" + index + "-" + runId;
        }

        int migrations() {
            FerrySession s = session;
            return migrationsOfEndedSessions + (s == null ? 0 : s.migrations());
        }

        void run() {
            try {
                open();
                connected.countDown();
                while (!stopped) {
                    step();
                    if (!thinkTime.isZero()) {
                        Thread.sleep(thinkTime);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.warn("user {} stopped: {}", index, e.toString());
                countError(e);
            } finally {
                FerrySession s = session;
                if (s != null) {
                    try {
                        s.close();
                    } catch (RuntimeException ignored) {
                        // the session may be gone with its pod
                    }
                }
                finished.countDown();
            }
        }

        private void open() {
            FerrySession s = clientFor(serviceAddress).connect();
            s.onMigration(
                    e -> migrationPauseMicros.recordValue(Math.max(0, e.pause().toNanos() / 1000)));
            session = s;
        }

        private void step() throws InterruptedException {
            int pick = ThreadLocalRandom.current().nextInt(12);
            try {
                if (pick < 2) {
                    timed("PING");
                } else if (pick < 3) {
                    String word = "w" + ThreadLocalRandom.current().nextInt(1_000_000);
                    Result r = timed("ECHO " + word);
                    if (!word.equals(r.firstText())) {
                        violation("ECHO " + word + " returned " + r.firstText());
                    }
                } else if (pick < 5) {
                    String v = Long.toString(ThreadLocalRandom.current().nextLong(1_000_000_000L));
                    valueKnown = false;
                    timed("SET " + varKey + " " + v);
                    value = v;
                    valueKnown = true;
                } else if (pick < 7) {
                    Result r = timed("GET " + varKey);
                    if (valueKnown && value != null && !value.equals(r.firstText())) {
                        stateLost("GET " + varKey + " returned " + r.firstText() + ", last SET " + value);
                    }
                } else if (pick < 11) {
                    incr();
                } else {
                    stream();
                }
            } catch (CommandFailedException e) {
                commandsFailed.incrementAndGet();
                countError(e);
            } catch (FerryException e) {
                long failedAt = System.nanoTime();
                commandsFailed.incrementAndGet();
                countError(e);
                counter = null;
                valueKnown = false;
                if (!session.isOpen()) {
                    replaceLostSession(failedAt);
                }
            }
        }

        private void incr() {
            Long before = counter;
            counter = null;
            Result r = timed("INCR " + counterKey);
            long now = Long.parseLong(Objects.requireNonNull(r.firstText(), "INCR returned no row"));
            if (before != null && now != before + 1) {
                stateLost("INCR " + counterKey + " returned " + now + ", expected " + (before + 1));
            }
            counter = now;
        }

        private void stream() {
            Result r = timed("STREAM " + STREAM_ROWS);
            boolean complete = r.rows().size() == STREAM_ROWS;
            for (int i = 0; complete && i < STREAM_ROWS; i++) {
                complete = r.rows().get(i).seq() == i
                        && Integer.toString(i).equals(r.rows().get(i).text());
            }
            if (!complete) {
                violation("STREAM " + STREAM_ROWS + " returned " + r.rows().size() + " rows, not 0.."
                        + (STREAM_ROWS - 1) + " in order");
            }
        }

        private void violation(String what) {
            violations.incrementAndGet();
            log.warn("user {}: wrong answer: {}", index, what);
        }

        private void stateLost(String what) {
            stateLosses++;
            log.warn("user {}: session state lost: {}", index, what);
        }

        /**
         * The session is gone (closed under the user): open a new one through the Service, retrying while
         * pods come and go, then check whether the variables came along (they cannot, so this counts
         * the loss the user sees).
         */
        private void replaceLostSession(long failedAt) throws InterruptedException {
            sessionsLost++;
            migrationsOfEndedSessions += session.migrations();
            String lastValue = value;
            while (!stopped) {
                try {
                    open();
                    break;
                } catch (FerryException e) {
                    countError(e);
                }
                Thread.sleep(100); // back-off between attempts, as an application's reconnect loop would
            }
            if (stopped) {
                return;
            }
            try {
                Result r = timed("GET " + varKey);
                reconnectGapMicros.recordValue(Math.max(0, (System.nanoTime() - failedAt) / 1000));
                if (lastValue != null && !lastValue.equals(r.firstText())) {
                    stateLost("after a new session GET " + varKey + " returned " + r.firstText() + ", last SET "
                            + lastValue);
                }
            } catch (FerryException e) {
                commandsFailed.incrementAndGet();
                countError(e);
            }
            value = null;
            valueKnown = true;
            counter = 0L;
        }

        private Result timed(String command) {
            long t0 = System.nanoTime();
            Result r = session.execute(command);
            latency.recordValue(Math.max(0, (System.nanoTime() - t0) / 1000));
            commandsOk.incrementAndGet();
            return r;
        }
    }
}
