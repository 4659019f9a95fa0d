package dev.ferry.bench;

import dev.ferry.bench.report.BenchResult;
import dev.ferry.bench.report.Measures;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.ferry.bench.report.Measures.figure;

/** The idle-drain run in the shared result shape: figures next to the reconnect baseline, pause histogram, moves over time. */
final class IdleDrainResult {
    private IdleDrainResult() {}

    static BenchResult of(IdleDrainBenchmark.Result r, String command) {
        IdleDrainBenchmark.Figures f = r.ferryMedian();
        IdleDrainBenchmark.Figures b = r.baselineMedian();
        int rounds = ((Number) r.options().get("rounds")).intValue();
        List<BenchResult.Figure> figures = new ArrayList<>();
        figures.add(figure("migrations per second, all at once (median of " + rounds + ")", "sessions/s", f.perSecond(), b.perSecond(),
                ">= 10000", f.perSecond() >= IdleDrainBenchmark.TARGET_MOVES_PER_SECOND));
        figures.add(figure("time to move every session", "s", f.seconds(), b.seconds(), null, null));
        figures.add(figure("client-visible pause p50, all at once", "ms", f.pauseP50Millis(), b.pauseP50Millis(), null, null));
        figures.add(figure("client-visible pause p99, all at once", "ms", f.pauseP99Millis(), b.pauseP99Millis(),
                "<= 5", f.pauseP99Millis() <= IdleDrainBenchmark.TARGET_PAUSE_P99_MILLIS));
        figures.add(figure("client-visible pause max, all at once", "ms", f.pauseMaxMillis(), b.pauseMaxMillis(), null, null));
        figures.add(figure("sessions not moved (all measured rounds)", "sessions", (double) f.failures(), (double) b.failures(), "0", f.failures() == 0));
        figures.add(figure("CPU per moved session, benchmark processes", "ms", cpuMillisPer(f), cpuMillisPer(b), null, null));
        for (IdleDrainBenchmark.Figures l : r.limited()) {
            figures.add(figure("paced at " + rateLabel(l) + ": migrations per second", "sessions/s", l.perSecond(), null, null, null));
            figures.add(figure("paced at " + rateLabel(l) + ": pause p50", "ms", l.pauseP50Millis(), null, null, null));
            figures.add(figure("paced at " + rateLabel(l) + ": pause p99", "ms", l.pauseP99Millis(), null, "<= 5",
                    l.pauseP99Millis() <= IdleDrainBenchmark.TARGET_PAUSE_P99_MILLIS));
            figures.add(figure("paced at " + rateLabel(l) + ": pause max", "ms", l.pauseMaxMillis(), null, null, null));
            figures.add(figure("paced at " + rateLabel(l) + ": sessions not moved", "sessions", (double) l.failures(), null, "0", l.failures() == 0));
        }
        List<BenchResult.Series> pauses = new ArrayList<>();
        List<BenchResult.Series> rates = new ArrayList<>();
        for (Map.Entry<String, Histogram> e : r.pauses().entrySet()) pauses.add(Measures.histogramMillis(e.getKey(), e.getValue()));
        for (Map.Entry<String, long[]> e : r.timelines().entrySet()) {
            long[] nanos = Arrays.stream(e.getValue()).map(us -> us * 1000).toArray();
            rates.add(Measures.ratePerSecond(e.getKey(), 0, nanos, 100));
        }
        List<BenchResult.Chart> charts = List.of(
                new BenchResult.Chart("idle-drain-pause-histogram", "Idle drain: client-visible pause per session (measured rounds)",
                        "histogram", "pause (ms, bucket upper bound)", "sessions", pauses),
                new BenchResult.Chart("idle-drain-moves-over-time", "Idle drain: sessions moved per second (median round)",
                        "line", "seconds since the drain started", "sessions/s (100 ms buckets)", rates));
        List<String> notes = new ArrayList<>();
        notes.add(String.format(Locale.ROOT, "%d idle sessions (each with a session variable) on pod-0, drained to pod-1 and pod-2 through "
                        + "redis-server; 3 server JVMs, %s client-worker JVMs, %s warm-up + %d measured rounds, medians reported.",
                f.sessions(), r.options().get("workers"), r.options().get("warmupRounds"), rounds));
        notes.add(String.format(Locale.ROOT, "Ferry moves sessions %.2fx as fast as reconnecting; its all-at-once pause p99 is %.2fx the reconnect's.",
                f.perSecond() / b.perSecond(), f.pauseP99Millis() / b.pauseP99Millis()));
        double[] m = f.cpuUserSystemSeconds().getOrDefault(CpuTimes.MACHINE, new double[2]);
        notes.add(String.format(Locale.ROOT, "Median Ferry round: %.2f s wall x %d CPUs = %.2f CPU-s; benchmark processes used %.2f, the whole machine %.2f.",
                f.seconds(), r.cpus(), f.seconds() * r.cpus(), cpuSeconds(f), m[0] + m[1]));
        for (IdleDrainBenchmark.Figures row : r.rows()) {
            notes.add(String.format(Locale.ROOT, "%s, %s %s: %.3f s, %.0f sessions/s, pause p50 %.2f / p99 %.2f / max %.2f ms, %d not moved",
                    row.scenario(), row.phase(), row.round(), row.seconds(), row.perSecond(), row.pauseP50Millis(),
                    row.pauseP99Millis(), row.pauseMaxMillis(), row.failures()).replace(" :", ":"));
        }
        return new BenchResult("idle-drain", "Idle drain: " + f.sessions() + " sessions, pod-0 to pod-1 + pod-2 through Redis",
                r.startedAt().replaceAll("\\.\\d+Z$", "Z"), command,
                new BenchResult.Machine(r.cpus(), Runtime.version().toString(), load(r.loadAverageBefore()), load(r.loadAverageAfter())),
                "every client disconnects, reconnects to a peer and logs in again (state re-created), all at once",
                figures, charts, notes);
    }

    private static String rateLabel(IdleDrainBenchmark.Figures l) {
        return l.scenario().replace("Ferry drain at ", "");
    }

    private static double cpuSeconds(IdleDrainBenchmark.Figures f) {
        double s = 0;
        for (var e : f.cpuUserSystemSeconds().entrySet()) {
            if (!e.getKey().equals(CpuTimes.MACHINE)) s += e.getValue()[0] + e.getValue()[1];
        }
        return s;
    }

    private static double cpuMillisPer(IdleDrainBenchmark.Figures f) {
        return Math.round(cpuSeconds(f) * 1000.0 / Math.max(1, f.sessions()) * 1000) / 1000.0;
    }

    static double[] load(String text) {
        String[] w = text.trim().split("\\s+");
        double[] v = new double[3];
        for (int i = 0; i < 3 && i < w.length; i++) {
            try {
                v[i] = Double.parseDouble(w[i]);
            } catch (NumberFormatException e) {
                v[i] = 0; // /proc/loadavg was unreadable ("?")
            }
        }
        return v;
    }
}
