package dev.ferry.bench;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.server.MigrationTimers;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Drains N idle sessions (each with a session variable) from one server to two peers through a
 * real redis-server, and, in the same run, the baseline users have without Ferry: every client
 * disconnects, reconnects to a peer and logs in again (re-creates its session variable).
 *
 * <p>Reported: moves per second for each, and the client-visible pause per session — for Ferry
 * from reading MIGRATE to the target's WELCOME, for the baseline from closing the old connection
 * to the re-login's answer.
 */
public final class IdleDrainBenchmark {
    private static final Logger log = LoggerFactory.getLogger(IdleDrainBenchmark.class);

    public record Figures(String name, int sessions, double seconds, double perSecond,
                          double pauseP50Millis, double pauseP99Millis, double pauseMaxMillis, long failures) {
        String row() {
            return String.format(Locale.ROOT, "| %-34s | %8d | %8.3f | %10.0f | %8.3f | %8.3f | %8.3f | %5d |",
                    name, sessions, seconds, perSecond, pauseP50Millis, pauseP99Millis, pauseMaxMillis, failures);
        }
    }

    public record Result(Figures ferry, Figures baseline) {}

    public static Result run(int sessions, int clientThreads) throws InterruptedException {
        try (LocalFleet fleet = new LocalFleet(3, MigrationTimers.DEFAULT, 1);
             FerryClient client = FerryClient.create(ClientOptions.builder()
                     .serviceAddress(fleet.address(0)).eventLoopThreads(clientThreads).build())) {
            log.info("opening {} sessions on {}", sessions, fleet.server(0).name());
            List<FerrySession> open = connectAll(client, sessions);
            CountDownLatch moved = new CountDownLatch(sessions);
            for (FerrySession s : open) s.onMigration(e -> moved.countDown());

            long start = System.nanoTime();
            fleet.server(0).drain(fleet.addressesExcept(0), 0);
            var exported = fleet.server(0).metrics().registry().get("ferry_migrations_exported").counter();
            while (exported.count() < sessions && System.nanoTime() - start < 60_000_000_000L) Thread.sleep(1);
            log.info("all {} contexts exported after {} ms; {} sessions moved so far", (long) exported.count(),
                    (System.nanoTime() - start) / 1_000_000, sessions - moved.getCount());
            if (!moved.await(120, TimeUnit.SECONDS)) {
                log.warn("only {} of {} sessions moved within 120 s", sessions - moved.getCount(), sessions);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            var export = fleet.server(0).metrics().registry().get("ferry_context_export").timer();
            log.info("diagnostics: client {}; source exports: count={} mean={} ms max={} ms; claims on pod-1: mean={} ms max={} ms",
                    client.metrics().snapshot(), export.count(), export.mean(TimeUnit.MILLISECONDS), export.max(TimeUnit.MILLISECONDS),
                    fleet.server(1).metrics().registry().get("ferry_context_claim").timer().mean(TimeUnit.MILLISECONDS),
                    fleet.server(1).metrics().registry().get("ferry_context_claim").timer().max(TimeUnit.MILLISECONDS));
            Histogram pause = client.metrics().pauseHistogramMicros();
            long failures = moved.getCount() + client.metrics().migrationsFailed();
            Figures ferry = new Figures("Ferry drain through Redis", sessions, seconds, (sessions - moved.getCount()) / seconds,
                    pause.getValueAtPercentile(50) / 1000.0, pause.getValueAtPercentile(99) / 1000.0, pause.getMaxValue() / 1000.0, failures);

            // Baseline on the same sessions, now on pod-1 and pod-2: each reconnects to pod-1 and logs in again.
            Figures baseline = reconnectAll(client, open, fleet.address(1));
            return new Result(ferry, baseline);
        }
    }

    private static List<FerrySession> connectAll(FerryClient client, int n) throws InterruptedException {
        ConcurrentLinkedQueue<FerrySession> sessions = new ConcurrentLinkedQueue<>();
        Semaphore inFlight = new Semaphore(256);
        try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                inFlight.acquire();
                vt.execute(() -> {
                    try {
                        FerrySession s = client.connect();
                        s.execute("SET user u" + s.sessionId());
                        sessions.add(s);
                    } finally {
                        inFlight.release();
                    }
                });
            }
        }
        return new ArrayList<>(sessions);
    }

    /** What a plain rolling restart costs a client: new connection, new login, state rebuilt. */
    private static Figures reconnectAll(FerryClient unused, List<FerrySession> sessions, String to) throws InterruptedException {
        Histogram pause = new Histogram(3_600_000_000L, 3);
        long[] failures = {0};
        try (FerryClient client = FerryClient.create(ClientOptions.builder().serviceAddress(to).eventLoopThreads(2).build())) {
            long start = System.nanoTime();
            try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
                for (FerrySession old : sessions) {
                    vt.execute(() -> {
                        long t0 = System.nanoTime();
                        try {
                            old.close();
                            FerrySession fresh = client.connect();
                            fresh.execute("SET user u" + fresh.sessionId());
                            synchronized (pause) {
                                pause.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                            }
                            fresh.close();
                        } catch (RuntimeException e) {
                            synchronized (failures) {
                                failures[0]++;
                            }
                        }
                    });
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Figures("Baseline: disconnect + reconnect + login", sessions.size(), seconds, sessions.size() / seconds,
                    pause.getValueAtPercentile(50) / 1000.0, pause.getValueAtPercentile(99) / 1000.0, pause.getMaxValue() / 1000.0, failures[0]);
        }
    }

    public static String table(Result r) {
        return String.join("\n",
                "| scenario                           | sessions | seconds  | moves/s    | p50 ms   | p99 ms   | max ms   | fails |",
                "|------------------------------------|----------|----------|------------|----------|----------|----------|-------|",
                r.ferry().row(), r.baseline().row());
    }
}
