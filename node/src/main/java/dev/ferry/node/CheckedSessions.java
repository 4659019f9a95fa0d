package dev.ferry.node;

import dev.ferry.client.ClientMetrics;
import dev.ferry.client.ClientOptions;
import dev.ferry.client.ClientTlsOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.client.Result;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client sessions that keep a fleet busy and check every answer: each session loops over SET, GET of what it
 * set, INCR of its own counter (the count must never skip or repeat: a command runs exactly once), and every
 * fifth round a paced STREAM whose rows must come in order with no gap and no duplicate (in-batch migration).
 * A failed command or a wrong answer is counted and kept; a session whose connection is lost for good is
 * counted as lost. How often each session moved comes from the client itself.
 */
public final class CheckedSessions implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CheckedSessions.class);
    private static final int STREAM_ROWS = 40;
    private static final int STREAM_ROW_DELAY_MS = 2;
    private static final int KEPT_FAILURES = 20;

    /** What the sessions saw, once they stopped. */
    public record Summary(
            int sessions,
            long commandsOk,
            long commandsFailed,
            long wrongAnswers,
            long sessionsLost,
            Map<Integer, Long> sessionsByMoves,
            Map<String, Long> sessionsByVersion,
            Map<String, Long> sessionsByPod,
            Map<String, Long> lostByPod,
            double latencyP99Millis,
            double latencyMaxMillis,
            ClientMetrics.Snapshot client,
            List<String> failures) {

        public long moves() {
            return sessionsByMoves.entrySet().stream()
                    .mapToLong(e -> (long) e.getKey() * e.getValue())
                    .sum();
        }

        @Override
        public String toString() {
            return String.format(
                    java.util.Locale.ROOT,
                    "%d sessions: %d commands ok, %d failed, %d wrong answers, %d sessions lost; moves per session %s; "
                            + "versions %s; pods %s; lost on %s; latency p99 %.1f ms, max %.1f ms; migrations failed %d, pause p99 %.1f ms, "
                            + "max %.1f ms; duplicate rows %d, sequence gaps %d%s",
                    sessions,
                    commandsOk,
                    commandsFailed,
                    wrongAnswers,
                    sessionsLost,
                    sessionsByMoves,
                    sessionsByVersion,
                    sessionsByPod,
                    lostByPod,
                    latencyP99Millis,
                    latencyMaxMillis,
                    client.migrationsFailed(),
                    client.pauseP99Millis(),
                    client.pauseMaxMillis(),
                    client.duplicateRows(),
                    client.seqGaps(),
                    failures.isEmpty() ? "" : "; failures " + failures);
        }
    }

    private final FerryClient client;
    private final List<Checked> sessions = new ArrayList<>();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong wrong = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final Recorder latency = new Recorder(3);
    private final CountDownLatch finished;
    private final Duration thinkTime;
    private volatile boolean stopping;

    private CheckedSessions(FerryClient client, int count, Duration thinkTime) {
        this.client = client;
        this.thinkTime = thinkTime;
        this.finished = new CountDownLatch(count);
    }

    /**
     * Opens {@code count} sessions through {@code address} (a Service's address: each connection lands where the
     * Service sends it) and starts their loops, one virtual thread each.
     */
    public static CheckedSessions start(String address, int count, Duration thinkTime) {
        return start(address, count, thinkTime, null);
    }

    /** As above, over TLS with {@code tls} (null: plain TCP). */
    public static CheckedSessions start(String address, int count, Duration thinkTime, ClientTlsOptions tls) {
        ClientOptions.Builder options = ClientOptions.builder()
                .serviceAddress(address)
                .clientName("ferry-node-check")
                .commandTimeout(Duration.ofSeconds(60))
                .connectTimeout(Duration.ofSeconds(10));
        if (tls != null) options.tls(tls);
        FerryClient client = FerryClient.create(options.build());
        CheckedSessions load = new CheckedSessions(client, count, thinkTime);
        try {
            for (int i = 0; i < count; i++) {
                load.sessions.add(load.new Checked(i, client.connect()));
            }
        } catch (RuntimeException e) {
            load.close();
            throw e;
        }
        load.sessions.forEach(s -> Thread.ofVirtual().name("checked-", s.index).start(s::loop));
        return load;
    }

    public long commandsOk() {
        return ok.get();
    }

    public long commandsFailed() {
        return failed.get() + wrong.get();
    }

    /** The client's own counters: migrations, pauses, duplicate rows, sequence gaps. */
    public ClientMetrics.Snapshot clientMetrics() {
        return client.metrics().snapshot();
    }

    /** Moves completed so far, over all sessions. */
    public long moves() {
        return sessions.stream().mapToLong(s -> s.session.migrations()).sum();
    }

    /** Latency of the commands since the last call, for live progress. */
    public synchronized org.HdrHistogram.Histogram intervalLatency() {
        return latency.getIntervalHistogram();
    }

    /** Sessions per pod they are on now (the server's name as the session knows it). */
    public Map<String, Long> sessionsByPod() {
        return sessions.stream()
                .collect(Collectors.groupingBy(s -> s.session.serverName(), TreeMap::new, Collectors.counting()));
    }

    /** The fewest rounds any live session has finished so far. */
    public int roundsDone() {
        return sessions.stream()
                .filter(s -> !s.lost)
                .mapToInt(s -> s.rounds)
                .min()
                .orElse(0);
    }

    /** Waits until every session has finished at least {@code rounds} rounds. */
    public void awaitRounds(int rounds, Duration timeout) {
        NodeCluster.await(
                "every session " + rounds + " rounds in",
                timeout,
                () -> sessions.stream().allMatch(s -> s.rounds >= rounds || s.lost));
    }

    /**
     * Stops the loops after their current round, asks every live session its server's VERSION (a checked command
     * too) and returns what they saw. The sessions stay open until {@link #close()}.
     */
    public Summary stop(Duration timeout) {
        stopping = true;
        try {
            if (!finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("sessions did not finish their rounds within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        Map<String, Long> versions = new TreeMap<>();
        for (Checked s : sessions) {
            if (s.lost) continue;
            String v = s.call(
                    "VERSION",
                    r -> r.rows().size() == 1
                            ? null
                            : "VERSION gave " + r.rows().size() + " rows");
            if (v != null) versions.merge(v, 1L, Long::sum);
        }
        org.HdrHistogram.Histogram h = latency.getIntervalHistogram();
        Map<Integer, Long> byMoves = sessions.stream()
                .collect(Collectors.groupingBy(s -> s.session.migrations(), TreeMap::new, Collectors.counting()));
        Map<String, Long> lostByPod = sessions.stream()
                .filter(s -> s.lost)
                .collect(Collectors.groupingBy(s -> s.session.serverName(), TreeMap::new, Collectors.counting()));
        return new Summary(
                sessions.size(),
                ok.get(),
                failed.get(),
                wrong.get(),
                sessions.stream().filter(s -> s.lost).count(),
                byMoves,
                versions,
                sessionsByPod(),
                lostByPod,
                h.getValueAtPercentile(99) / 1000.0,
                h.getMaxValue() / 1000.0,
                client.metrics().snapshot(),
                List.copyOf(failures));
    }

    @Override
    public void close() {
        stopping = true;
        for (Checked s : sessions) {
            try {
                s.session.close();
            } catch (RuntimeException e) {
                log.debug("closing session {}: {}", s.index, e.toString());
            }
        }
        client.close();
    }

    private void failure(String what) {
        if (failures.size() < KEPT_FAILURES) failures.add(what);
        log.warn("{}", what);
    }

    /** One session and its loop. */
    private final class Checked {
        final int index;
        final FerrySession session;
        volatile int rounds;
        volatile boolean lost;
        long counter;

        Checked(int index, FerrySession session) {
            this.index = index;
            this.session = session;
        }

        void loop() {
            try {
                while (!stopping && !lost) {
                    round();
                    rounds++;
                    if (!thinkTime.isZero()) Thread.sleep(thinkTime); // pacing between rounds, as a user's pauses
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                finished.countDown();
            }
        }

        private void round() {
            String value = "v" + index + "-" + rounds;
            call("SET k " + value, r -> expectRows(r, List.of("OK")));
            call("GET k", r -> expectRows(r, List.of(value)));
            String expected = Long.toString(counter + 1);
            if (call("INCR n", r -> expectRows(r, List.of(expected))) != null) counter++;
            if (rounds % 5 == 0) {
                call("STREAM " + STREAM_ROWS + " " + STREAM_ROW_DELAY_MS, r -> {
                    if (r.rows().size() != STREAM_ROWS)
                        return "STREAM gave " + r.rows().size() + " rows, not " + STREAM_ROWS;
                    for (int i = 0; i < STREAM_ROWS; i++) {
                        if (!r.rows().get(i).text().equals(Integer.toString(i)))
                            return "STREAM row " + i + " was " + r.rows().get(i).text();
                    }
                    return null;
                });
            }
        }

        /** Runs a command; returns its first row when the check passes, null when it failed or was wrong. */
        String call(String command, Function<Result, String> check) {
            if (lost) return null;
            long t0 = System.nanoTime();
            Result r;
            try {
                r = session.execute(command);
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                failure("session " + index + " (" + session.serverName() + "): " + command + " failed: " + e);
                if (!session.isOpen()) lost = true;
                return null;
            }
            latency.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
            String problem = r.error() ? "answered with an error: " + r.messages() : check.apply(r);
            if (problem != null) {
                wrong.incrementAndGet();
                failure("session " + index + " (" + session.serverName() + "): " + command + ": " + problem);
                return null;
            }
            ok.incrementAndGet();
            return Objects.requireNonNullElse(r.firstText(), "");
        }

        private static String expectRows(Result r, List<String> rows) {
            List<String> got = r.rows().stream().map(dev.ferry.client.Row::text).toList();
            return got.equals(rows) ? null : "expected " + rows + ", got " + got;
        }
    }
}
