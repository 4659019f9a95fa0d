package dev.ferry.bench;

import static dev.ferry.bench.report.Measures.figure;

import dev.ferry.bench.report.BenchResult;
import dev.ferry.bench.report.Measures;
import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.client.ResultStream;
import dev.ferry.client.Row;
import dev.ferry.server.DrainWindow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions reading long streams while their server is drained to two peers through Redis, next
 * to the same streams when the server is killed instead: each client then reconnects to a peer and
 * asks for the rest of its stream from the first row it has not seen, at the same pacing (the best
 * a client can do without Ferry).
 *
 * <p>Each session reads a paced {@code STREAM} (one row every {@code rowMillis}). Rows carry their
 * position as payload; every row is checked against the position it arrives at ({@link StreamCheck}),
 * and rows skipped or delivered twice are counted as the reader gets them. Duplicate ROW frames of
 * one request never reach a reader (the client library drops them), so the figure for duplicates
 * adds the client library's own count of ROW frames it dropped ({@code ClientMetrics.duplicateRows},
 * counted as each frame arrives, before the drop). The gap of a session is the time between the last
 * row before the move and the first new row after it.
 */
final class InBatchBenchmark {
    private static final Logger log = LoggerFactory.getLogger(InBatchBenchmark.class);
    static final double TARGET_GAP_P99_MILLIS = 50;
    private static final long BUCKET_MILLIS = 100;

    record Options(
            int sessions,
            int rowMillis,
            Duration before,
            Duration after,
            Duration timeout,
            int warmup,
            int rounds,
            int clientThreads,
            ProcessFleet.Launch launch) {}

    /** What the readers of one run saw. */
    static final class Run {
        final String name;
        final long startNanos = System.nanoTime();
        final StreamCheck.Counts check = new StreamCheck.Counts();
        /** ROW frames the client library dropped as duplicates, and sequence gaps it saw, as they arrived. */
        volatile long wireDuplicates;

        volatile long wireSeqGaps;
        final AtomicLong rows = new AtomicLong();
        final AtomicLong failedSessions = new AtomicLong();
        final AtomicLong moved = new AtomicLong();
        /** When the client library reported the first and the last completed migration (nanoTime). */
        final AtomicLong firstMoveNanos = new AtomicLong(Long.MAX_VALUE);

        final AtomicLong lastMoveNanos = new AtomicLong();
        /** When the last session read its first new row after the move (nanoTime). */
        final AtomicLong lastBackNanos = new AtomicLong();

        final ConcurrentHistogram gapMicros = new ConcurrentHistogram(3);
        final ConcurrentHistogram intervalMicros = new ConcurrentHistogram(3);
        final AtomicLongArray rowsPerBucket = new AtomicLongArray(6000);
        volatile long eventNanos;
        /** The client library's own pause histogram (MIGRATE read to WELCOME), Ferry run only. */
        volatile Histogram clientPauseMicros = new Histogram(3);
        /** The part of it until the connection to the target was open (the rest: RESUME to WELCOME). */
        volatile Histogram clientConnectMicros = new Histogram(3);

        volatile String clientCounts = "";
        /** Run-queue figures of every process from the drain (kill) until every session was back. */
        volatile Map<String, SchedStats.Totals> sched = Map.of();

        Run(String name) {
            this.name = name;
        }

        /** Mean wait for a CPU per wake-up of the two peers' threads, where the resumes and claims run. */
        double peersMeanWaitMillis() {
            long wait = 0, slices = 0;
            for (String peer : List.of("pod-1", "pod-2")) {
                SchedStats.Totals t = sched.get(peer);
                if (t == null) continue;
                wait += t.waitNanos();
                slices += t.timeslices();
            }
            return slices == 0 ? 0 : wait / 1e6 / slices;
        }

        String schedSummary() {
            StringBuilder b = new StringBuilder();
            sched.forEach((proc, t) -> b.append(b.isEmpty() ? "" : "; ")
                    .append(String.format(
                            Locale.ROOT,
                            "%s ran %.0f ms and waited %.0f ms for a CPU (%.2f ms per wake-up)",
                            proc,
                            t.runMillis(),
                            t.waitMillis(),
                            t.meanWaitPerSliceMillis())));
            return b.toString();
        }

        void row(long now) {
            rows.incrementAndGet();
            int b = (int) ((now - startNanos) / (BUCKET_MILLIS * 1_000_000));
            if (b >= 0 && b < rowsPerBucket.length()) rowsPerBucket.incrementAndGet(b);
        }

        BenchResult.Series rowsPerSecond() {
            int last = rowsPerBucket.length() - 1;
            while (last > 0 && rowsPerBucket.get(last) == 0) last--;
            double[] x = new double[last + 1];
            double[] y = new double[last + 1];
            for (int i = 0; i <= last; i++) {
                x[i] = ((i + 1) * BUCKET_MILLIS - (eventNanos - startNanos) / 1_000_000.0) / 1000.0;
                y[i] = rowsPerBucket.get(i) * 1000.0 / BUCKET_MILLIS;
            }
            return new BenchResult.Series(name, x, y);
        }
    }

    private final Options o;
    private final ProcessFleet fleet;

    private InBatchBenchmark(Options o, ProcessFleet fleet) {
        this.o = o;
        this.fleet = fleet;
    }

    static BenchResult run(Options o, String command) throws Exception {
        double[] loadBefore = Measures.loadAverage();
        String at = Measures.now();
        try (ProcessFleet fleet = new ProcessFleet(o.launch(), 3, 0, 1)) {
            InBatchBenchmark b = new InBatchBenchmark(o, fleet);
            // Full-size warm-up drains: the first drains of fresh JVMs load and compile their code
            // paths (accept on the targets, claim, in-batch resume), which is not what a fleet that
            // has served for a while sees. A tenth-size warm-up left the targets' resume path cold:
            // the first in-batch pauses were mostly class loading and interpretation. After one full-size
            // warm-up the first measured drain still paused longest in every run (by about twice the
            // others' gap), so two run by default.
            for (int i = 0; i < o.warmup(); i++) {
                b.ferry(o.sessions());
                b.fleet.server(0).admin().cancelDrain();
            }
            // Several measured drains: one drain's p99 swings by half between runs on this machine (how large
            // the window grew, what else got a CPU), so the figures are those of the median drain.
            List<Run> rounds = new ArrayList<>();
            for (int i = 0; i < o.rounds(); i++) {
                if (i > 0) b.fleet.server(0).admin().cancelDrain();
                rounds.add(b.ferry(o.sessions()));
            }
            Run baseline = b.killed(); // last: pod-0 does not come back
            return b.result(rounds, baseline, loadBefore, at, command);
        }
    }

    private FerryClient client(String address) {
        return FerryClient.create(ClientOptions.builder()
                .serviceAddress(address)
                .eventLoopThreads(o.clientThreads())
                .commandTimeout(o.timeout().plus(o.before()).plus(o.after()).plusMinutes(5))
                .build());
    }

    /** Rows per stream: more than the run can read, so no stream ends before the benchmark stops it. */
    private long streamRows() {
        return (o.before().plus(o.after()).plus(o.timeout()).toMillis() / o.rowMillis()) * 2;
    }

    private String streamCommand() {
        return "STREAM " + streamRows() + " " + o.rowMillis();
    }

    /** Streams on pod-0, pod-0 drained to pod-1 and pod-2 through Redis while they run. */
    private Run ferry(int sessions) throws Exception {
        Run run = new Run("Ferry: drained through Redis");
        String[] peers = {fleet.server(1).address(), fleet.server(2).address()};
        try (FerryClient client = client(fleet.server(0).address());
                ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch started = new CountDownLatch(sessions);
            CountDownLatch stop = new CountDownLatch(1);
            for (int i = 0; i < sessions; i++) {
                readers.execute(() -> readThroughMove(client, run, started, stop));
            }
            if (!started.await(2, TimeUnit.MINUTES))
                log.warn("only {} of {} streams started", sessions - started.getCount(), sessions);
            Thread.sleep(o.before().toMillis()); // a benchmark: steady streaming before the move
            Map<String, SchedStats.Totals> schedBefore = SchedStats.snapshot(fleet.pids());
            run.eventNanos = System.nanoTime();
            log.info("draining pod-0 under {} streams", sessions);
            fleet.server(0).admin().drain(List.of(peers), 0);
            log.info("drain POST answered after {} ms", (System.nanoTime() - run.eventNanos) / 1_000_000);
            long deadline = System.nanoTime() + o.timeout().toNanos();
            while (run.moved.get() + run.failedSessions.get() < sessions && System.nanoTime() < deadline)
                Thread.sleep(50);
            run.sched = SchedStats.minus(SchedStats.snapshot(fleet.pids()), schedBefore);
            log.info("ferry: during the move {}", run.schedSummary());
            Thread.sleep(o.after().toMillis());
            stop.countDown();
            run.clientPauseMicros = client.metrics().pauseHistogramMicros();
            run.clientConnectMicros = client.metrics().connectHistogramMicros();
            run.clientCounts = client.metrics().snapshot().toString();
            run.wireDuplicates = client.metrics().duplicateRows();
            run.wireSeqGaps = client.metrics().seqGaps();
        }
        log.info("ferry: client metrics {}", run.clientCounts);
        log.info(
                "ferry: first session moved {} ms after the drain started, the last after {} ms",
                (run.firstMoveNanos.get() - run.eventNanos) / 1_000_000,
                (run.lastMoveNanos.get() - run.eventNanos) / 1_000_000);
        log.info(
                "ferry: {} rows, {} moved, {} lost, {} duplicated (+{} dropped by the client library), gap p99 {} ms",
                run.rows,
                run.moved,
                run.check.lost(),
                run.check.duplicated(),
                run.wireDuplicates,
                Measures.percentileMillis(run.gapMicros, 99));
        return run;
    }

    private void readThroughMove(FerryClient client, Run run, CountDownLatch started, CountDownLatch stop) {
        FerrySession s;
        try {
            s = client.connect();
        } catch (RuntimeException e) {
            run.failedSessions.incrementAndGet();
            started.countDown();
            log.warn("a session did not open: {}", e.toString());
            return;
        }
        try {
            int migrationsBefore = s.migrations();
            s.onMigration(e -> {
                long now = System.nanoTime();
                run.firstMoveNanos.accumulateAndGet(now, Math::min);
                run.lastMoveNanos.accumulateAndGet(now, Math::max);
            });
            ResultStream stream = s.submit(streamCommand());
            started.countDown();
            StreamCheck check = new StreamCheck(run.check);
            long last = 0;
            long maxInterval = 0;
            boolean counted = false;
            while (stop.getCount() > 0 && stream.hasNext()) {
                Row r = stream.next();
                long now = System.nanoTime();
                if (!check.accept(r, 0)) continue;
                run.row(now);
                if (last != 0) {
                    long interval = now - last;
                    if (run.eventNanos != 0 && last >= run.eventNanos - 1_000_000_000L && !counted)
                        maxInterval = Math.max(maxInterval, interval);
                    else run.intervalMicros.recordValue(Math.max(1, interval / 1000));
                }
                last = now;
                if (!counted && s.migrations() > migrationsBefore) {
                    // Rows right after the move still belong to it only if they follow it closely.
                    counted = true;
                    run.moved.incrementAndGet();
                    run.lastBackNanos.accumulateAndGet(now, Math::max);
                    run.gapMicros.recordValue(Math.max(1, maxInterval / 1000));
                }
            }
            stream.cancel();
        } catch (RuntimeException e) {
            run.failedSessions.incrementAndGet();
            log.warn("a stream failed: {}", e.toString());
        } finally {
            s.close();
        }
    }

    /**
     * The baseline: streams on pod-0, pod-0 killed. Each reader reconnects to a peer and asks for
     * the rest of its stream from the first row it has not seen ({@code STREAMFROM}), at the same
     * pacing; its gap runs from its last row before the kill to its first row after it.
     */
    private Run killed() throws Exception {
        Run run = new Run("Baseline: server killed, clients re-request from their last row");
        fleet.server(0).admin().cancelDrain(); // serving again after the Ferry run
        String[] peers = {fleet.server(1).address(), fleet.server(2).address()};
        try (FerryClient client = client(fleet.server(0).address());
                FerryClient peer1 = client(peers[0]);
                FerryClient peer2 = client(peers[1]);
                ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch started = new CountDownLatch(o.sessions());
            CountDownLatch stop = new CountDownLatch(1);
            for (int i = 0; i < o.sessions(); i++) {
                FerryClient again = i % 2 == 0 ? peer1 : peer2;
                readers.execute(() -> readThroughKill(client, again, run, started, stop));
            }
            if (!started.await(2, TimeUnit.MINUTES))
                log.warn("only {} of {} streams started", o.sessions() - started.getCount(), o.sessions());
            Thread.sleep(o.before().toMillis());
            Map<String, SchedStats.Totals> schedBefore = SchedStats.snapshot(fleet.pids());
            run.eventNanos = System.nanoTime();
            log.info("killing pod-0 under {} streams", o.sessions());
            fleet.server(0).process().kill();
            long deadline = System.nanoTime() + o.timeout().toNanos();
            while (run.moved.get() + run.failedSessions.get() < o.sessions() && System.nanoTime() < deadline)
                Thread.sleep(50);
            run.sched = SchedStats.minus(SchedStats.snapshot(fleet.pids()), schedBefore);
            log.info("baseline: during the restart {}", run.schedSummary());
            Thread.sleep(o.after().toMillis());
            stop.countDown();
            run.clientPauseMicros = new Histogram(3);
            run.wireDuplicates = client.metrics().duplicateRows()
                    + peer1.metrics().duplicateRows()
                    + peer2.metrics().duplicateRows();
            run.wireSeqGaps = client.metrics().seqGaps()
                    + peer1.metrics().seqGaps()
                    + peer2.metrics().seqGaps();
        }
        log.info(
                "baseline: {} rows, {} back, {} lost, {} duplicated (+{} dropped by the client library), gap p99 {} ms",
                run.rows,
                run.moved,
                run.check.lost(),
                run.check.duplicated(),
                run.wireDuplicates,
                Measures.percentileMillis(run.gapMicros, 99));
        return run;
    }

    private void readThroughKill(
            FerryClient client, FerryClient again, Run run, CountDownLatch started, CountDownLatch stop) {
        StreamCheck check = new StreamCheck(run.check);
        long last = 0;
        boolean startedCounted = false;
        try {
            FerrySession s = client.connect();
            ResultStream stream = s.submit(streamCommand());
            started.countDown();
            startedCounted = true;
            while (stop.getCount() > 0 && stream.hasNext()) {
                Row r = stream.next();
                long now = System.nanoTime();
                if (!check.accept(r, 0)) continue;
                run.row(now);
                if (last != 0) run.intervalMicros.recordValue(Math.max(1, (now - last) / 1000));
                last = now;
            }
            s.close();
            return; // stopped before the kill (should not happen)
        } catch (RuntimeException e) {
            if (!startedCounted) {
                started.countDown();
                run.failedSessions.incrementAndGet();
                return;
            }
            // the kill: the session and its stream are gone
        }
        long from = check.next();
        try (FerrySession s = again.connect()) {
            ResultStream stream =
                    s.submit("STREAMFROM " + from + " " + Math.max(0, streamRows() - from) + " " + o.rowMillis());
            boolean back = false;
            while (stop.getCount() > 0 && stream.hasNext()) {
                Row r = stream.next();
                long now = System.nanoTime();
                if (!check.accept(r, from)) continue;
                run.row(now);
                if (!back) {
                    back = true;
                    run.moved.incrementAndGet();
                    run.lastBackNanos.accumulateAndGet(now, Math::max);
                    run.gapMicros.recordValue(Math.max(1, (now - last) / 1000));
                } else {
                    run.intervalMicros.recordValue(Math.max(1, (now - last) / 1000));
                }
                last = now;
            }
            stream.cancel();
        } catch (RuntimeException e) {
            run.failedSessions.incrementAndGet();
            log.warn("a restarted stream failed: {}", e.toString());
        }
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** The gap a move adds beyond one row period, p99: what the target is on. */
    private double gapBeyondPeriodP99(Run run) {
        return Math.max(0, ms(run.gapMicros, 99) - o.rowMillis());
    }

    /** The round whose {@link #gapBeyondPeriodP99} is the median (the lower one of an even count). */
    private Run medianRound(List<Run> rounds) {
        List<Run> sorted = new ArrayList<>(rounds);
        sorted.sort(Comparator.comparingDouble(this::gapBeyondPeriodP99));
        return sorted.get((sorted.size() - 1) / 2);
    }

    private static long sum(List<Run> rounds, ToLongFunction<Run> count) {
        return rounds.stream().mapToLong(count).sum();
    }

    /**
     * Correctness counts over every measured drain (a row lost in any of them shows); pauses, gaps and
     * run-queue figures from the {@linkplain #medianRound median drain}.
     */
    private BenchResult result(List<Run> rounds, Run b, double[] loadBefore, String at, String command) {
        Run f = medianRound(rounds);
        double period = o.rowMillis();
        List<BenchResult.Figure> figures = new ArrayList<>();
        long fDup = sum(rounds, r -> r.check.duplicated().get() + r.wireDuplicates);
        long bDup = b.check.duplicated().get() + b.wireDuplicates;
        long fLost = sum(rounds, r -> r.check.lost().get());
        long fSeqGaps = sum(rounds, r -> r.wireSeqGaps);
        long fBadPayload = sum(rounds, r -> r.check.badPayload().get());
        long fMovedFewest = rounds.stream().mapToLong(r -> r.moved.get()).min().orElse(0);
        long fFailed = sum(rounds, r -> r.failedSessions.get());
        figures.add(figure(
                "rows lost (positions skipped)",
                "rows",
                (double) fLost,
                (double) b.check.lost().get(),
                "0",
                fLost == 0));
        figures.add(figure(
                "rows duplicated on the wire (before any de-duplication)",
                "rows",
                (double) fDup,
                (double) bDup,
                "0",
                fDup == 0));
        figures.add(figure(
                "sequence gaps seen by the client library",
                "gaps",
                (double) fSeqGaps,
                (double) b.wireSeqGaps,
                "0",
                fSeqGaps == 0));
        figures.add(figure(
                "rows whose payload is not their position",
                "rows",
                (double) fBadPayload,
                (double) b.check.badPayload().get(),
                "0",
                fBadPayload == 0));
        figures.add(figure(
                "sessions whose stream continued after the move",
                "sessions",
                (double) fMovedFewest,
                (double) b.moved.get(),
                String.valueOf(o.sessions()),
                fMovedFewest == o.sessions()));
        figures.add(figure(
                "sessions failed", "sessions", (double) fFailed, (double) b.failedSessions.get(), "0", fFailed == 0));
        figures.add(figure("stream gap p50", "ms", ms(f.gapMicros, 50), ms(b.gapMicros, 50), null, null));
        figures.add(figure("stream gap p99", "ms", ms(f.gapMicros, 99), ms(b.gapMicros, 99), null, null));
        figures.add(figure(
                "stream gap max",
                "ms",
                f.gapMicros.getTotalCount() == 0 ? 0 : f.gapMicros.getMaxValue() / 1000.0,
                b.gapMicros.getTotalCount() == 0 ? 0 : b.gapMicros.getMaxValue() / 1000.0,
                null,
                null));
        figures.add(figure(
                "client library's own pause p50, MIGRATE read to WELCOME (Ferry only)",
                "ms",
                ms(f.clientPauseMicros, 50),
                null,
                null,
                null));
        figures.add(figure(
                "client library's own pause p99, MIGRATE read to WELCOME (Ferry only)",
                "ms",
                ms(f.clientPauseMicros, 99),
                null,
                null,
                null));
        figures.add(figure(
                "of the client's pause: MIGRATE read to the target's connection open, p50 (Ferry only)",
                "ms",
                ms(f.clientConnectMicros, 50),
                null,
                null,
                null));
        figures.add(figure(
                "of the client's pause: MIGRATE read to the target's connection open, p99 (Ferry only)",
                "ms",
                ms(f.clientConnectMicros, 99),
                null,
                null,
                null));
        figures.add(figure(
                "stream gap p99 beyond one row period",
                "ms",
                gapBeyondPeriodP99(f),
                gapBeyondPeriodP99(b),
                "<= 50",
                f.gapMicros.getTotalCount() > 0 && gapBeyondPeriodP99(f) <= TARGET_GAP_P99_MILLIS));
        figures.add(figure(
                "row interval p50 away from the move, as the reader saw it",
                "ms",
                ms(f.intervalMicros, 50),
                ms(b.intervalMicros, 50),
                null,
                null));
        figures.add(figure(
                "row interval p99 away from the move, as the reader saw it",
                "ms",
                ms(f.intervalMicros, 99),
                ms(b.intervalMicros, 99),
                null,
                null));
        figures.add(figure(
                "mean wait for a CPU per wake-up of pod-1 and pod-2 threads until every session was back (run queue)",
                "ms",
                round2(f.peersMeanWaitMillis()),
                round2(b.peersMeanWaitMillis()),
                null,
                null));
        figures.add(figure(
                "time from the drain (kill) to the last session streaming again",
                "s",
                Math.round((f.lastBackNanos.get() - f.eventNanos) / 1e6) / 1000.0,
                Math.round((b.lastBackNanos.get() - b.eventNanos) / 1e6) / 1000.0,
                null,
                null));
        List<BenchResult.Chart> charts = List.of(
                new BenchResult.Chart(
                        "in-batch-gap-histogram",
                        "In-batch: stream gap per session at the move",
                        "histogram",
                        "gap (ms, bucket upper bound)",
                        "sessions",
                        List.of(
                                Measures.histogramMillis(f.name, f.gapMicros),
                                Measures.histogramMillis(b.name, b.gapMicros))),
                new BenchResult.Chart(
                        "in-batch-rows-over-time",
                        "In-batch: rows per second read by all sessions",
                        "line",
                        "seconds from the drain (Ferry) / the kill (baseline)",
                        "rows/s (100 ms buckets)",
                        List.of(f.rowsPerSecond(), b.rowsPerSecond())));
        List<String> notes = new ArrayList<>();
        notes.add(String.format(
                Locale.ROOT,
                "%d sessions on pod-0, each reading `%s` (one row every %d ms, %.0f rows/s in all); "
                        + "after %d s pod-0 is drained to pod-1 and pod-2 through redis-server (Ferry) or killed with SIGKILL (baseline: "
                        + "each client reconnects to a peer and sends `STREAMFROM <first row not seen> <rows left> %d`, the same rows at "
                        + "the same pacing from where it stopped); the clients run in the coordinator JVM (one client, %d event "
                        + "loop thread(s)), each server in its own.",
                o.sessions(),
                streamCommand(),
                o.rowMillis(),
                o.sessions() * 1000.0 / o.rowMillis(),
                o.before().toSeconds(),
                o.rowMillis(),
                o.clientThreads()));
        notes.add(
                "Ferry's drain keeps a window of sessions on their way at a time, sized by how long their moves take ("
                        + DrainWindow.SERVER.min() + " to " + DrainWindow.SERVER.max()
                        + "); a killed server loses all of them at once, so the baseline's clients all reconnect together.");
        notes.add(
                "Every row's payload is checked against its position in the stream. Rows lost and rows read twice are counted as the "
                        + "reader gets them; ROW frames the client library dropped as duplicates of a row already delivered are counted as they "
                        + "arrived and added to the duplicates (Ferry: " + f.wireDuplicates + " dropped, "
                        + f.check.duplicated().get()
                        + " reached the reader; baseline: " + b.wireDuplicates + " dropped, "
                        + b.check.duplicated().get() + " reached the reader).");
        notes.add(
                "Row times are taken when the reading thread gets the row; on a saturated machine readers fall behind and then "
                        + "read buffered rows in bursts, which shows as a tiny p50 interval and a long p99 away from the move.");
        notes.add(o.warmup() + " full-size warm-up drain(s) run first and are not reported.");
        notes.add(String.format(
                Locale.ROOT,
                "%d measured drains; pauses, gaps, intervals and run-queue figures are those of the median drain by the gap"
                        + " beyond one row period p99 (one drain's swings by half between runs on this machine); rows lost,"
                        + " duplicated or out of place, sequence gaps and failed sessions are counted over every drain, and the"
                        + " sessions whose stream continued are the fewest of any drain. Every drain's gap beyond one period"
                        + " p99, with the time to the last session streaming again: %s; the baseline kills its server once.",
                rounds.size(),
                rounds.stream()
                        .map(r -> String.format(
                                Locale.ROOT,
                                "%.1f ms (%.2f s)",
                                gapBeyondPeriodP99(r),
                                (r.lastBackNanos.get() - r.eventNanos) / 1e9))
                        .collect(Collectors.joining(", "))));
        notes.add(
                "The target is on the gap beyond one row period, the delay the move adds: the drain asks a stream at any"
                        + " point of its period, so the gap itself spans up to a whole period more whatever the move costs.");
        notes.add("The gap includes one row period (" + o.rowMillis()
                + " ms); the part beyond one period is shown apart.");
        notes.add("Client counters of the Ferry run: " + f.clientCounts);
        notes.add(
                "Run queue (/proc/<pid>/task/*/schedstat: time each process's threads were ready but had no CPU, which CPU "
                        + "sampling cannot see), from the drain until every session was back. Ferry: "
                        + f.schedSummary()
                        + ". Baseline, from the kill: " + b.schedSummary() + ".");
        notes.add(String.format(
                Locale.ROOT, "Rows read: Ferry %d, baseline %d (duplicates not counted).", f.rows.get(), b.rows.get()));
        return new BenchResult(
                "in-batch",
                "In-batch: " + o.sessions() + " sessions streaming while their server is drained",
                at,
                command,
                Measures.machine(loadBefore),
                "the server is killed (SIGKILL); clients reconnect to a peer and ask for the rest of their stream from the first row "
                        + "they have not seen, at the same pacing",
                figures,
                charts,
                notes);
    }

    private static double ms(Histogram h, double p) {
        return Measures.percentileMillis(h, p);
    }
}
