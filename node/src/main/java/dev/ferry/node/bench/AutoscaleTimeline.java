package dev.ferry.node.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * What the autoscale benchmark samples every second, and the figures it takes from those samples. Pure: the
 * samples are made by the benchmark; the figures only depend on them and on when the surge left, so they can be
 * checked without a cluster.
 */
final class AutoscaleTimeline {

    private AutoscaleTimeline() {}

    /**
     * One sample.
     *
     * @param seconds          since the surge began (negative before it)
     * @param specReplicas     {@code spec.replicas} of the fleet: what its autoscaler decided
     * @param readyReplicas    {@code status.readyReplicas}
     * @param sessions         {@code status.sessions} (the operator's last reading of the pods' counts)
     * @param maxPerPod        most sessions on one pod in {@code status.pods}, 0 without pods
     * @param minPerPod        fewest sessions on one pod in {@code status.pods}, 0 without pods
     * @param clientMaxPerPod  most sessions on one pod as the clients see them right now
     * @param commandsOk       commands answered so far, every client of the run
     * @param commandsFailed   commands failed so far, every client of the run
     * @param hpaCpuPercent    the HorizontalPodAutoscaler's current average CPU utilisation, null without one or
     *                         before it has read a metric
     */
    record Sample(
            double seconds,
            int specReplicas,
            int readyReplicas,
            long sessions,
            long maxPerPod,
            long minPerPod,
            long clientMaxPerPod,
            long commandsOk,
            long commandsFailed,
            Integer hpaCpuPercent) {}

    /** The columns of {@link #rows}, for the JSON's {@code run} object. */
    static final List<String> COLUMNS = List.of(
            "seconds",
            "specReplicas",
            "readyReplicas",
            "sessions",
            "maxPerPod",
            "minPerPod",
            "clientMaxPerPod",
            "commandsOk",
            "commandsFailed",
            "hpaCpuPercent");

    /** The samples as rows of {@link #COLUMNS}, seconds to 0.1 s. */
    static List<List<Object>> rows(List<Sample> samples) {
        List<List<Object>> rows = new ArrayList<>();
        for (Sample s : samples) {
            List<Object> row = new ArrayList<>();
            row.add(Math.round(s.seconds() * 10.0) / 10.0);
            row.add(s.specReplicas());
            row.add(s.readyReplicas());
            row.add(s.sessions());
            row.add(s.maxPerPod());
            row.add(s.minPerPod());
            row.add(s.clientMaxPerPod());
            row.add(s.commandsOk());
            row.add(s.commandsFailed());
            row.add(s.hpaCpuPercent());
            rows.add(row);
        }
        return rows;
    }

    /**
     * The figures of one run; a time is null when what it waits for did not happen while sampled.
     *
     * @param restingReplicas          spec.replicas at the surge (the last sample at or before it)
     * @param firstScaleUpSeconds      surge to the first sample with spec.replicas above resting
     * @param peakReplicas             most spec.replicas from the surge on
     * @param peakSeconds              surge to the first sample with spec.replicas at the peak (null without a
     *                                 scale-up)
     * @param peakReadySeconds         surge to the first sample with that many replicas ready (null without a
     *                                 scale-up)
     * @param maxPerPodDuringSurge     most sessions on one pod in the status, from the surge until it left
     * @param clientMaxPerPodDuringSurge the same as the clients saw it
     * @param firstScaleDownSeconds    surge left to the first sample with spec.replicas below what it was then
     * @param backAtRestSeconds        surge left to the first sample with spec and ready replicas at resting
     *                                 again
     * @param maxHpaCpuPercentDuringSurge highest CPU utilisation the HPA reported during the surge, null without
     */
    record Figures(
            int restingReplicas,
            Double firstScaleUpSeconds,
            int peakReplicas,
            Double peakSeconds,
            Double peakReadySeconds,
            long maxPerPodDuringSurge,
            long clientMaxPerPodDuringSurge,
            Double firstScaleDownSeconds,
            Double backAtRestSeconds,
            Integer maxHpaCpuPercentDuringSurge) {}

    /**
     * The figures of a run sampled as {@code samples} (in time order), whose surge began at 0 s and left at
     * {@code leftAt} s.
     */
    static Figures figures(List<Sample> samples, double leftAt) {
        if (samples.isEmpty()) throw new IllegalArgumentException("no samples");
        Sample atSurge = lastAtOrBefore(samples, 0);
        int resting = atSurge.specReplicas();
        List<Sample> fromSurge = samples.stream().filter(s -> s.seconds() >= 0).toList();
        List<Sample> during =
                fromSurge.stream().filter(s -> s.seconds() <= leftAt).toList();
        List<Sample> afterLeaving =
                samples.stream().filter(s -> s.seconds() >= leftAt).toList();

        Double firstUp = firstTime(fromSurge, s -> s.specReplicas() > resting, 0);
        int peak = fromSurge.stream().mapToInt(Sample::specReplicas).max().orElse(resting);
        peak = Math.max(peak, resting);
        int top = peak;
        Double peakAt = peak > resting ? firstTime(fromSurge, s -> s.specReplicas() >= top, 0) : null;
        Double peakReadyAt = peak > resting ? firstTime(fromSurge, s -> s.readyReplicas() >= top, 0) : null;

        int atLeaving = lastAtOrBefore(samples, leftAt).specReplicas();
        Double firstDown = firstTime(afterLeaving, s -> s.specReplicas() < atLeaving, leftAt);
        Double backAtRest =
                firstTime(afterLeaving, s -> s.specReplicas() == resting && s.readyReplicas() == resting, leftAt);

        Integer maxCpu = during.stream()
                .map(Sample::hpaCpuPercent)
                .filter(java.util.Objects::nonNull)
                .max(Integer::compare)
                .orElse(null);
        return new Figures(
                resting,
                firstUp,
                peak,
                peakAt,
                peakReadyAt,
                max(during, Sample::maxPerPod),
                max(during, Sample::clientMaxPerPod),
                firstDown,
                backAtRest,
                maxCpu);
    }

    /** x = seconds since the surge, y = {@code value}, for samples from {@code fromSeconds} on. */
    static List<List<Double>> series(List<Sample> samples, double fromSeconds, ToDoubleFunction<Sample> value) {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (Sample s : samples) {
            if (s.seconds() < fromSeconds) continue;
            x.add(Math.round(s.seconds() * 10.0) / 10.0);
            y.add(value.applyAsDouble(s));
        }
        return List.of(x, y);
    }

    /** The last sample at or before {@code seconds}, else the first one. */
    private static Sample lastAtOrBefore(List<Sample> samples, double seconds) {
        Sample found = samples.get(0);
        for (Sample s : samples) {
            if (s.seconds() > seconds) break;
            found = s;
        }
        return found;
    }

    private static Double firstTime(List<Sample> samples, java.util.function.Predicate<Sample> p, double from) {
        return samples.stream()
                .filter(p)
                .findFirst()
                .map(s -> s.seconds() - from)
                .orElse(null);
    }

    private static long max(List<Sample> samples, java.util.function.ToLongFunction<Sample> value) {
        return samples.stream().mapToLong(value).max().orElse(0);
    }
}
