package dev.ferry.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.AbstractHistogram;

/** What every scenario records the same way: the machine, and histograms/timelines as chart series. */
public final class Measures {
    /** Upper bounds (ms) of the pause/gap histogram buckets: 1-2-5 steps from 0.1 ms to 100 s. */
    private static final double[] BOUNDS_MS;

    static {
        List<Double> b = new ArrayList<>();
        for (double decade = 0.1; decade <= 100_000; decade *= 10) {
            for (double step : new double[] {1, 2, 5}) b.add(Math.round(decade * step * 1000) / 1000.0);
        }
        BOUNDS_MS = b.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private Measures() {}

    /** The 1, 5 and 15 minute load averages from /proc/loadavg (zeros where there is none). */
    public static double[] loadAverage() {
        try {
            String[] w = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {Double.parseDouble(w[0]), Double.parseDouble(w[1]), Double.parseDouble(w[2])};
        } catch (IOException | RuntimeException e) {
            return new double[3];
        }
    }

    public static BenchResult.Machine machine(double[] loadBefore) {
        return new BenchResult.Machine(
                Runtime.getRuntime().availableProcessors(), Runtime.version().toString(), loadBefore, loadAverage());
    }

    public static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /**
     * A histogram of microsecond values as a series over millisecond buckets (1-2-5 steps), from
     * the first non-empty bucket to the last.
     */
    public static BenchResult.Series histogramMillis(String name, AbstractHistogram micros) {
        long[] counts = new long[BOUNDS_MS.length];
        for (var v : micros.recordedValues()) {
            double ms = micros.highestEquivalentValue(v.getValueIteratedTo()) / 1000.0;
            int i = 0;
            while (i < BOUNDS_MS.length - 1 && ms > BOUNDS_MS[i]) i++;
            counts[i] += v.getCountAtValueIteratedTo();
        }
        int first = 0;
        while (first < counts.length && counts[first] == 0) first++;
        int last = counts.length - 1;
        while (last >= first && counts[last] == 0) last--;
        if (first > last) return new BenchResult.Series(name, new double[0], new double[0]);
        double[] x = new double[last - first + 1];
        double[] y = new double[x.length];
        for (int i = first; i <= last; i++) {
            x[i - first] = BOUNDS_MS[i];
            y[i - first] = counts[i];
        }
        return new BenchResult.Series(name, x, y);
    }

    /**
     * Events per second over time: {@code nanos} are event times on {@link System#nanoTime()}'s
     * clock (the same in every process of this machine), counted in {@code bucketMillis} buckets
     * from {@code originNanos}.
     */
    public static BenchResult.Series ratePerSecond(String name, long originNanos, long[] nanos, long bucketMillis) {
        long bucket = bucketMillis * 1_000_000L;
        long max = 0;
        for (long n : nanos) max = Math.max(max, n - originNanos);
        int buckets = nanos.length == 0 ? 0 : (int) (Math.max(0, max) / bucket) + 1;
        double[] counts = new double[buckets];
        for (long n : nanos) {
            long at = n - originNanos;
            if (at >= 0) counts[(int) (at / bucket)]++;
        }
        double[] x = new double[buckets];
        for (int i = 0; i < buckets; i++) {
            x[i] = (i + 1) * bucketMillis / 1000.0;
            counts[i] = counts[i] * 1000.0 / bucketMillis;
        }
        return new BenchResult.Series(name, x, counts);
    }

    /** Value at a percentile in milliseconds (HdrHistogram of microseconds), 0 when empty. */
    public static double percentileMillis(AbstractHistogram micros, double percentile) {
        return micros.getTotalCount() == 0 ? 0 : micros.getValueAtPercentile(percentile) / 1000.0;
    }

    public static BenchResult.Figure figure(
            String name, String unit, Double ferry, Double baseline, String target, Boolean met) {
        return new BenchResult.Figure(name, unit, ferry, baseline, target, met);
    }
}
