package dev.ferry.bench;

import static dev.ferry.bench.report.Measures.figure;

import dev.ferry.bench.report.BenchResult;
import dev.ferry.bench.report.Measures;
import dev.ferry.server.DrainWindow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.HdrHistogram.Histogram;

/** The idle-drain run in the shared result shape: figures next to the reconnect baseline, pause histogram, moves over time. */
final class IdleDrainResult {
    private IdleDrainResult() {}

    static BenchResult of(IdleDrainBenchmark.Result r, String command) {
        IdleDrainBenchmark.Figures f = r.ferryMedian();
        IdleDrainBenchmark.Figures b = r.baselineMedian();
        IdleDrainBenchmark.Figures all = r.baselineAllMedian();
        int rounds = ((Number) r.options().get("rounds")).intValue();
        DrainWindow.Bounds window = DrainWindow.SERVER;
        double ratio = b.perSecond() == 0 ? 0 : f.perSecond() / b.perSecond();
        List<BenchResult.Figure> figures = new ArrayList<>();
        figures.add(figure(
                "sessions moved per second, same window policy (median of " + rounds + ")",
                "sessions/s",
                f.perSecond(),
                b.perSecond(),
                null,
                null));
        figures.add(figure(
                "Ferry / reconnect with the same window",
                "ratio",
                round3(ratio),
                null,
                ">= " + IdleDrainBenchmark.TARGET_RATIO,
                ratio >= IdleDrainBenchmark.TARGET_RATIO));
        figures.add(figure("time to move every session", "s", f.seconds(), b.seconds(), null, null));
        figures.add(figure(
                "pause p50, from the server's decision", "ms", f.pauseP50Millis(), b.pauseP50Millis(), null, null));
        figures.add(figure(
                "pause p99, from the server's decision", "ms", f.pauseP99Millis(), b.pauseP99Millis(), null, null));
        figures.add(figure(
                "pause max, from the server's decision", "ms", f.pauseMaxMillis(), b.pauseMaxMillis(), null, null));
        figures.add(figure(
                "sessions not moved (all measured rounds)",
                "sessions",
                (double) f.failures(),
                (double) b.failures(),
                "0",
                f.failures() == 0));
        figures.add(figure(
                "CPU per moved session, benchmark processes", "ms", cpuMillisPer(f), cpuMillisPer(b), null, null));
        figures.add(figure(
                "client library's own pause p50, MIGRATE read to WELCOME (Ferry only)",
                "ms",
                f.clientPauseP50Millis(),
                null,
                null,
                null));
        figures.add(figure(
                "client library's own pause p99, MIGRATE read to WELCOME (Ferry only)",
                "ms",
                f.clientPauseP99Millis(),
                null,
                null,
                null));
        IdleDrainBenchmark.Figures go = r.goMedian();
        if (go != null) {
            // The Go client drained the same way in the same run: its figures in the Ferry column, the Java
            // client's in the baseline column.
            String vs = " (Go client; baseline column: the Java client)";
            figures.add(
                    figure("sessions moved per second" + vs, "sessions/s", go.perSecond(), f.perSecond(), null, null));
            double goTarget = IdleDrainBenchmark.TARGET_GO_PAUSE_RATIO * f.pauseP99Millis();
            figures.add(figure(
                    "pause p99, from the server's decision" + vs,
                    "ms",
                    go.pauseP99Millis(),
                    f.pauseP99Millis(),
                    "<= " + IdleDrainBenchmark.TARGET_GO_PAUSE_RATIO + "x the Java client's",
                    go.pauseP99Millis() <= goTarget));
            figures.add(figure(
                    "client library's own pause p50, MIGRATE read to WELCOME" + vs,
                    "ms",
                    go.clientPauseP50Millis(),
                    f.clientPauseP50Millis(),
                    null,
                    null));
            figures.add(figure(
                    "client library's own pause p99, MIGRATE read to WELCOME" + vs,
                    "ms",
                    go.clientPauseP99Millis(),
                    f.clientPauseP99Millis(),
                    null,
                    null));
            figures.add(figure(
                    "sessions not moved (all measured rounds)" + vs,
                    "sessions",
                    (double) go.failures(),
                    (double) f.failures(),
                    "0",
                    go.failures() == 0));
        }
        figures.add(figure(
                "reconnect all at once (baseline only): sessions per second",
                "sessions/s",
                null,
                all.perSecond(),
                null,
                null));
        figures.add(figure(
                "reconnect all at once (baseline only): pause p50, from the decision",
                "ms",
                null,
                all.pauseP50Millis(),
                null,
                null));
        figures.add(figure(
                "reconnect all at once (baseline only): pause p99, from the decision",
                "ms",
                null,
                all.pauseP99Millis(),
                null,
                null));
        figures.add(figure(
                "reconnect all at once (baseline only): sessions not moved",
                "sessions",
                null,
                (double) all.failures(),
                null,
                null));
        for (IdleDrainBenchmark.Paced p : r.paced()) {
            String at = String.format(Locale.ROOT, "paced at %,.0f/s: ", p.rate());
            IdleDrainBenchmark.Figures pf = p.ferry();
            IdleDrainBenchmark.Figures pb = p.baseline();
            boolean targetRate = p.rate() == IdleDrainBenchmark.TARGET_PAUSE_RATE;
            figures.add(figure(
                    at + "sessions moved per second",
                    "sessions/s",
                    pf.perSecond(),
                    pb.perSecond(),
                    targetRate ? ">= " + Math.round(IdleDrainBenchmark.RATE_REACHED * 100) + "% of the rate" : null,
                    targetRate ? IdleDrainBenchmark.reachedRate(p) : null));
            figures.add(figure(
                    at + "pause p50, from the server's decision",
                    "ms",
                    pf.pauseP50Millis(),
                    pb.pauseP50Millis(),
                    null,
                    null));
            figures.add(figure(
                    at + "pause p99, from the server's decision",
                    "ms",
                    pf.pauseP99Millis(),
                    pb.pauseP99Millis(),
                    targetRate ? "<= 5" : null,
                    targetRate ? pf.pauseP99Millis() <= IdleDrainBenchmark.TARGET_PAUSE_P99_MILLIS : null));
            figures.add(figure(at + "pause max", "ms", pf.pauseMaxMillis(), pb.pauseMaxMillis(), null, null));
            figures.add(figure(
                    at + "sessions not moved",
                    "sessions",
                    (double) pf.failures(),
                    (double) pb.failures(),
                    "0",
                    pf.failures() == 0));
        }
        List<BenchResult.Series> pauses = new ArrayList<>();
        List<BenchResult.Series> pacedPauses = new ArrayList<>();
        List<BenchResult.Series> rates = new ArrayList<>();
        Set<String> unpaced = Set.of(
                IdleDrainBenchmark.FERRY,
                IdleDrainBenchmark.BASELINE,
                IdleDrainBenchmark.BASELINE_ALL,
                IdleDrainBenchmark.FERRY_GO);
        for (Map.Entry<String, Histogram> e : r.pauses().entrySet()) {
            (unpaced.contains(e.getKey()) ? pauses : pacedPauses)
                    .add(Measures.histogramMillis(e.getKey(), e.getValue()));
        }
        for (Map.Entry<String, long[]> e : r.timelines().entrySet()) {
            if (!unpaced.contains(e.getKey())) continue;
            long[] nanos = Arrays.stream(e.getValue()).map(us -> us * 1000).toArray();
            rates.add(Measures.ratePerSecond(e.getKey(), 0, nanos, 100));
        }
        List<BenchResult.Chart> charts = new ArrayList<>(List.of(
                new BenchResult.Chart(
                        "idle-drain-pause-histogram",
                        "Idle drain: pause per session, from the server's decision (measured rounds)",
                        "histogram",
                        "pause (ms, bucket upper bound)",
                        "sessions",
                        pauses),
                new BenchResult.Chart(
                        "idle-drain-moves-over-time",
                        "Idle drain: sessions moved per second (median round)",
                        "line",
                        "seconds since the drain started",
                        "sessions/s (100 ms buckets)",
                        rates)));
        if (!pacedPauses.isEmpty()) {
            charts.add(new BenchResult.Chart(
                    "idle-drain-paced-pause-histogram",
                    "Idle drain, paced: pause per session, from the server's decision",
                    "histogram",
                    "pause (ms, bucket upper bound)",
                    "sessions",
                    pacedPauses));
        }
        List<String> notes = new ArrayList<>();
        notes.add(String.format(
                Locale.ROOT,
                "%d idle sessions (each with a session variable) on pod-0, moved to pod-1 and pod-2; "
                        + "3 server JVMs, %s client-worker JVMs, redis-server; %s warm-up + %d measured rounds of each unpaced scenario "
                        + "(order rotated every round), medians reported; one round of each paced scenario.%s",
                f.sessions(),
                r.options().get("workers"),
                r.options().get("warmupRounds"),
                rounds,
                warmupRule(r.options())));
        notes.add(
                "Same concurrency policy on both sides: the server's drain keeps a window of sessions on their way at a time "
                        + "(asked and not yet gone) that adapts to how long moves take (" + window.min() + " to "
                        + window.max()
                        + ", starting at " + window.initial() + "; it grows while fewer than " + (int) window.alpha()
                        + " wait in line and shrinks when more than " + (int) window.beta()
                        + " do), so the baseline column "
                        + "reconnects under the same policy, its bounds split evenly over the client workers, each adapting to the "
                        + "re-logins it times; each paced drain has a reconnect at the same rate and window policy. The all-at-once "
                        + "reconnect, what a plain restart does, is reported in rows of its own.");
        notes.add(
                "Pause, both sides from the same event, the server's decision that this session must move: for Ferry the moment pod-0 "
                        + "moved the session to REQUESTED (recorded by the benchmark's handler around the reference handler), for the reconnect "
                        + "the moment the session was picked to go (all at once: the start, when every session is told), to the move's end "
                        + "(the target's WELCOME, or the re-login's answer). Both clocks are this machine's monotonic clock. The reconnect's "
                        + "decision is taken in the client process, so it does not pay the message that tells a client to go, which Ferry's "
                        + "MIGRATE does: that favours the baseline by one loopback message.");
        notes.add(String.format(
                Locale.ROOT,
                "Ferry moves sessions %.2fx as fast as reconnecting with the same window and %.2fx as fast as "
                        + "reconnecting all at once; its pause p99 is %.2fx the windowed reconnect's.",
                ratio,
                all.perSecond() == 0 ? 0 : f.perSecond() / all.perSecond(),
                b.pauseP99Millis() == 0 ? 0 : f.pauseP99Millis() / b.pauseP99Millis()));
        double[] m = f.cpuUserSystemSeconds().getOrDefault(CpuTimes.MACHINE, new double[2]);
        notes.add(String.format(
                Locale.ROOT,
                "Median Ferry round: %.2f s wall x %d CPUs = %.2f CPU-s; benchmark processes used %.2f, the whole machine %.2f.",
                f.seconds(),
                r.cpus(),
                f.seconds() * r.cpus(),
                cpuSeconds(f),
                m[0] + m[1]));
        for (IdleDrainBenchmark.Figures row : r.rows()) {
            notes.add(String.format(
                            Locale.ROOT,
                            "%s, %s %s: %.3f s, %.0f sessions/s, pause p50 %.2f / p99 %.2f / max %.2f ms, %d not moved",
                            row.scenario(),
                            row.phase(),
                            row.round(),
                            row.seconds(),
                            row.perSecond(),
                            row.pauseP50Millis(),
                            row.pauseP99Millis(),
                            row.pauseMaxMillis(),
                            row.failures())
                    .replace(" :", ":"));
        }
        return new BenchResult(
                "idle-drain",
                "Idle drain: " + f.sessions() + " sessions, pod-0 to pod-1 + pod-2 through Redis",
                r.startedAt().replaceAll("\\.\\d+Z$", "Z"),
                command,
                new BenchResult.Machine(
                        r.cpus(),
                        Runtime.version().toString(),
                        load(r.loadAverageBefore()),
                        load(r.loadAverageAfter())),
                "every client disconnects, reconnects to a peer and logs in again (state re-created), under the same window "
                        + "policy as Ferry's drain (" + window.min() + " to " + window.max()
                        + " on their way, adapted to move times)",
                figures,
                charts,
                notes);
    }

    private static String warmupRule(java.util.Map<String, Object> options) {
        Object min = options.get("warmupMinRounds");
        Object max = options.get("warmupMaxRounds");
        if (min == null || max == null) return "";
        boolean rising = Boolean.TRUE.equals(options.get("warmupStillRising"));
        return String.format(
                Locale.ROOT,
                " Warm-up rounds went on until no scenario's rate rose by more than %d%% over the round before (at least %s, at most %s)%s.",
                Math.round(IdleDrainBenchmark.WARM_RISE * 100),
                min,
                max,
                rising ? "; the rates were still rising when the bound was reached" : "");
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
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
