package dev.ferry.bench;

import dev.ferry.bench.report.BenchResult;
import dev.ferry.bench.report.Measures;
import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.client.ResultStream;
import dev.ferry.client.Row;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import static dev.ferry.bench.report.Measures.figure;

/**
 * Sessions reading long streams while their server is drained to two peers through Redis, next
 * to the same streams when the server is killed instead (what a plain restart gives): clients
 * then reconnect to a peer and must ask for the stream again from its start.
 *
 * <p>Each session reads a paced {@code STREAM} (one row every {@code rowMillis}). Rows carry their
 * position, so the reader sees any row lost (a position skipped) or delivered twice. The gap of a
 * session is the longest time between two new rows around the move (for the baseline: from the
 * last row before the kill to the first row it had not seen before); without a move it would be
 * about one row period, which is reported next to it.
 */
final class InBatchBenchmark {
    private static final Logger log = LoggerFactory.getLogger(InBatchBenchmark.class);
    static final double TARGET_GAP_P99_MILLIS = 10;
    private static final long BUCKET_MILLIS = 100;

    record Options(int sessions, int rowMillis, Duration before, Duration after, Duration timeout, int warmup, ProcessFleet.Launch launch) {}

    /** What the readers of one run saw. */
    static final class Run {
        final String name;
        final long startNanos = System.nanoTime();
        final AtomicLong lost = new AtomicLong();
        final AtomicLong duplicated = new AtomicLong();
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
        volatile String clientCounts = "";
        /** Run-queue figures of every process from the drain (kill) until every session was back. */
        volatile Map<String, SchedStats.Totals> sched = Map.of();

        Run(String name) { this.name = name; }

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
            sched.forEach((proc, t) -> b.append(b.isEmpty() ? "" : "; ").append(String.format(Locale.ROOT,
                    "%s ran %.0f ms and waited %.0f ms for a CPU (%.2f ms per wake-up)", proc, t.runMillis(), t.waitMillis(),
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
            // the first in-batch pauses were mostly class loading and interpretation.
            for (int i = 0; i < o.warmup(); i++) {
                b.ferry(o.sessions());
                b.fleet.server(0).admin().cancelDrain();
            }
            Run ferry = b.ferry(o.sessions());
            Run baseline = b.killed(); // last: pod-0 does not come back
            return b.result(ferry, baseline, loadBefore, at, command);
        }
    }

    private FerryClient client(String address) {
        return FerryClient.create(ClientOptions.builder().serviceAddress(address).eventLoopThreads(1)
                .commandTimeout(o.timeout().plus(o.before()).plus(o.after()).plusMinutes(5)).build());
    }

    private String streamCommand() {
        long rows = (o.before().plus(o.after()).plus(o.timeout()).toMillis() / o.rowMillis()) * 2;
        return "STREAM " + rows + " " + o.rowMillis();
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
            if (!started.await(2, TimeUnit.MINUTES)) log.warn("only {} of {} streams started", sessions - started.getCount(), sessions);
            Thread.sleep(o.before().toMillis()); // a benchmark: steady streaming before the move
            Map<String, SchedStats.Totals> schedBefore = SchedStats.snapshot(fleet.pids());
            run.eventNanos = System.nanoTime();
            log.info("draining pod-0 under {} streams", sessions);
            fleet.server(0).admin().drain(List.of(peers), 0);
            log.info("drain POST answered after {} ms", (System.nanoTime() - run.eventNanos) / 1_000_000);
            long deadline = System.nanoTime() + o.timeout().toNanos();
            while (run.moved.get() + run.failedSessions.get() < sessions && System.nanoTime() < deadline) Thread.sleep(50);
            run.sched = SchedStats.minus(SchedStats.snapshot(fleet.pids()), schedBefore);
            log.info("ferry: during the move {}", run.schedSummary());
            Thread.sleep(o.after().toMillis());
            stop.countDown();
            run.clientPauseMicros = client.metrics().pauseHistogramMicros();
            run.clientCounts = client.metrics().snapshot().toString();
        }
        log.info("ferry: client metrics {}", run.clientCounts);
        log.info("ferry: first session moved {} ms after the drain started, the last after {} ms",
                (run.firstMoveNanos.get() - run.eventNanos) / 1_000_000, (run.lastMoveNanos.get() - run.eventNanos) / 1_000_000);
        log.info("ferry: {} rows, {} moved, {} lost, {} duplicated, gap p99 {} ms", run.rows, run.moved, run.lost, run.duplicated,
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
            long expected = 0;
            long last = 0;
            long maxInterval = 0;
            boolean counted = false;
            while (stop.getCount() > 0 && stream.hasNext()) {
                Row r = stream.next();
                long now = System.nanoTime();
                if (r.seq() > expected) run.lost.addAndGet(r.seq() - expected);
                if (r.seq() < expected) {
                    run.duplicated.incrementAndGet();
                    continue;
                }
                expected = r.seq() + 1;
                run.row(now);
                if (last != 0) {
                    long interval = now - last;
                    if (run.eventNanos != 0 && last >= run.eventNanos - 1_000_000_000L && !counted) maxInterval = Math.max(maxInterval, interval);
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
     * its stream again; rows it had already seen come again (re-read), and its gap runs until the
     * first row it had not seen.
     */
    private Run killed() throws Exception {
        Run run = new Run("Baseline: server killed, clients restart their stream");
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
            if (!started.await(2, TimeUnit.MINUTES)) log.warn("only {} of {} streams started", o.sessions() - started.getCount(), o.sessions());
            Thread.sleep(o.before().toMillis());
            Map<String, SchedStats.Totals> schedBefore = SchedStats.snapshot(fleet.pids());
            run.eventNanos = System.nanoTime();
            log.info("killing pod-0 under {} streams", o.sessions());
            fleet.server(0).process().kill();
            long deadline = System.nanoTime() + o.timeout().toNanos() + o.before().toNanos() * 2;
            while (run.moved.get() + run.failedSessions.get() < o.sessions() && System.nanoTime() < deadline) Thread.sleep(50);
            run.sched = SchedStats.minus(SchedStats.snapshot(fleet.pids()), schedBefore);
            log.info("baseline: during the restart {}", run.schedSummary());
            Thread.sleep(o.after().toMillis());
            stop.countDown();
        }
        log.info("baseline: {} rows, {} back, {} lost, {} re-read, gap p99 {} ms", run.rows, run.moved, run.lost, run.duplicated,
                Measures.percentileMillis(run.gapMicros, 99));
        return run;
    }

    private void readThroughKill(FerryClient client, FerryClient again, Run run, CountDownLatch started, CountDownLatch stop) {
        long seen = 0; // rows seen before the kill
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
                if (r.seq() > seen) run.lost.addAndGet(r.seq() - seen);
                seen = r.seq() + 1;
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
        try (FerrySession s = again.connect()) {
            ResultStream stream = s.submit(streamCommand());
            boolean back = false;
            while (stop.getCount() > 0 && stream.hasNext()) {
                Row r = stream.next();
                long now = System.nanoTime();
                if (r.seq() < seen) {
                    run.duplicated.incrementAndGet();
                    continue;
                }
                if (r.seq() > seen) run.lost.addAndGet(r.seq() - seen);
                seen = r.seq() + 1;
                run.row(now);
                if (!back) {
                    back = true;
                    run.moved.incrementAndGet();
                    run.lastBackNanos.accumulateAndGet(now, Math::max);
                    run.gapMicros.recordValue(Math.max(1, (now - last) / 1000));
                }
            }
            stream.cancel();
        } catch (RuntimeException e) {
            run.failedSessions.incrementAndGet();
            log.warn("a restarted stream failed: {}", e.toString());
        }
    }

    private static double round2(double v) { return Math.round(v * 100) / 100.0; }

    private BenchResult result(Run f, Run b, double[] loadBefore, String at, String command) {
        double period = o.rowMillis();
        List<BenchResult.Figure> figures = new ArrayList<>();
        figures.add(figure("rows lost", "rows", (double) f.lost.get(), (double) b.lost.get(), "0", f.lost.get() == 0));
        figures.add(figure("rows duplicated (baseline: re-read after the restart)", "rows", (double) f.duplicated.get(),
                (double) b.duplicated.get(), "0", f.duplicated.get() == 0));
        figures.add(figure("sessions whose stream continued after the move", "sessions", (double) f.moved.get(), (double) b.moved.get(),
                String.valueOf(o.sessions()), f.moved.get() == o.sessions()));
        figures.add(figure("sessions failed", "sessions", (double) f.failedSessions.get(), (double) b.failedSessions.get(), "0",
                f.failedSessions.get() == 0));
        figures.add(figure("stream gap p50", "ms", ms(f.gapMicros, 50), ms(b.gapMicros, 50), null, null));
        figures.add(figure("stream gap p99", "ms", ms(f.gapMicros, 99), ms(b.gapMicros, 99), "<= 10",
                f.gapMicros.getTotalCount() > 0 && ms(f.gapMicros, 99) <= TARGET_GAP_P99_MILLIS));
        figures.add(figure("stream gap max", "ms", f.gapMicros.getTotalCount() == 0 ? 0 : f.gapMicros.getMaxValue() / 1000.0,
                b.gapMicros.getTotalCount() == 0 ? 0 : b.gapMicros.getMaxValue() / 1000.0, null, null));
        figures.add(figure("client-visible pause p50 / p99 (MIGRATE read to WELCOME, client library)", "ms",
                ms(f.clientPauseMicros, 50), ms(f.clientPauseMicros, 99), null, null));
        figures.add(figure("stream gap p99 beyond one row period", "ms", Math.max(0, ms(f.gapMicros, 99) - period),
                Math.max(0, ms(b.gapMicros, 99) - period), null, null));
        figures.add(figure("row interval p50 away from the move, as the reader saw it", "ms", ms(f.intervalMicros, 50), ms(b.intervalMicros, 50), null, null));
        figures.add(figure("row interval p99 away from the move, as the reader saw it", "ms", ms(f.intervalMicros, 99), ms(b.intervalMicros, 99), null, null));
        figures.add(figure("mean wait for a CPU per wake-up of pod-1 and pod-2 threads until every session was back (run queue)", "ms",
                round2(f.peersMeanWaitMillis()), round2(b.peersMeanWaitMillis()), null, null));
        figures.add(figure("time from the drain (kill) to the last session streaming again", "s",
                Math.round((f.lastBackNanos.get() - f.eventNanos) / 1e6) / 1000.0, Math.round((b.lastBackNanos.get() - b.eventNanos) / 1e6) / 1000.0,
                null, null));
        List<BenchResult.Chart> charts = List.of(
                new BenchResult.Chart("in-batch-gap-histogram", "In-batch: stream gap per session at the move", "histogram",
                        "gap (ms, bucket upper bound)", "sessions",
                        List.of(Measures.histogramMillis(f.name, f.gapMicros), Measures.histogramMillis(b.name, b.gapMicros))),
                new BenchResult.Chart("in-batch-rows-over-time", "In-batch: rows per second read by all sessions", "line",
                        "seconds from the drain (Ferry) / the kill (baseline)", "rows/s (100 ms buckets)",
                        List.of(f.rowsPerSecond(), b.rowsPerSecond())));
        List<String> notes = new ArrayList<>();
        notes.add(String.format(Locale.ROOT, "%d sessions on pod-0, each reading `%s` (one row every %d ms, %.0f rows/s in all); "
                        + "after %d s pod-0 is drained to pod-1 and pod-2 through redis-server (Ferry) or killed with SIGKILL (baseline); "
                        + "the clients run in the coordinator JVM, each server in its own.",
                o.sessions(), streamCommand(), o.rowMillis(), o.sessions() * 1000.0 / o.rowMillis(), o.before().toSeconds()));
        notes.add("Row times are taken when the reading thread gets the row; on a saturated machine readers fall behind and then "
                + "read buffered rows in bursts, which shows as a tiny p50 interval and a long p99 away from the move.");
        notes.add(o.warmup() + " full-size warm-up drain(s) run first and are not reported.");
        notes.add("The gap includes one row period (" + o.rowMillis() + " ms): a 10 ms gap target needs rows closer than that, "
                + "which 1,000 sessions on this machine cannot read without saturating it; the row beyond one period is shown apart.");
        notes.add("In the client-visible pause row, the baseline column holds the Ferry p99 (there is no MIGRATE without Ferry). "
                + "Client counters of the Ferry run: " + f.clientCounts);
        notes.add("Run queue (/proc/<pid>/task/*/schedstat: time each process's threads were ready but had no CPU, which CPU "
                + "sampling cannot see), from the drain until every session was back. Ferry: " + f.schedSummary()
                + ". Baseline, from the kill: " + b.schedSummary() + ".");
        notes.add(String.format(Locale.ROOT, "Rows read: Ferry %d, baseline %d (the baseline's re-read rows not counted).", f.rows.get(), b.rows.get()));
        return new BenchResult("in-batch", "In-batch: " + o.sessions() + " sessions streaming while their server is drained",
                at, command, Measures.machine(loadBefore),
                "the server is killed (SIGKILL); clients reconnect to a peer and restart their stream from its start",
                figures, charts, notes);
    }

    private static double ms(Histogram h, double p) {
        return Measures.percentileMillis(h, p);
    }
}
