package dev.ferry.bench;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.admin.api.Migrations;
import dev.ferry.admin.api.StatusResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains N idle sessions (each with a session variable) from one reference server to two peers
 * through a real redis-server — every server, every client share and redis a process of its own,
 * as in a fleet — and, in the same run, what users have without Ferry: every client disconnects,
 * reconnects to a peer and logs in again.
 *
 * <p>The coordinator (this class) drains pod-0 through its admin API, as the operator does. The
 * server's drain keeps a {@link dev.ferry.server.DrainWindow} of sessions on their way at a time,
 * sized by how long moves take, so the reconnect baseline runs twice: under the same window policy
 * (each worker adapts its share of it to the re-logins it times: the comparison of like with like,
 * which the throughput target is about) and all at once (what a plain restart does). Every paced
 * Ferry drain has a reconnect baseline at the same rate and window policy.
 *
 * <p>Pause per session, both sides from the same event: the moment the server decided that
 * session must move. For Ferry that is when the session entered REQUESTED on pod-0 (recorded by
 * {@link dev.ferry.bench.server.BenchHandler}), to when the client library reported the move
 * complete (the target's WELCOME). For the baseline it is when the session was picked to go (for
 * all at once, the start: everyone is told at the same moment), to the re-login's answer. The
 * client library's own pause (MIGRATE read to WELCOME) is reported apart. A drain's time runs
 * from the start to the moment the last worker reports its last session moved. Warm-up rounds
 * run first (same size) until the JVMs are warm: at least the minimum, then until no scenario's
 * rate rose by more than {@link #WARM_RISE} over the round before (at most the maximum). The
 * measured rounds rotate the order of the scenarios.
 */
public final class IdleDrainBenchmark {
    private static final Logger log = LoggerFactory.getLogger(IdleDrainBenchmark.class);

    /**
     * Warm-up goes on while a scenario's rate rises by more than this fraction a round: the servers'
     * JIT is still compiling the paths a drain takes (on 2 busy cores the first rounds of fresh JVMs
     * run at a third of the warm rate, and Ferry's longer path warms more slowly than a re-login).
     */
    static final double WARM_RISE = 0.10;
    /** Ferry moves idle sessions at least this fraction as fast as reconnecting with the same window. */
    static final double TARGET_RATIO = 0.9;

    static final double TARGET_PAUSE_P99_MILLIS = 5;
    /** The paced rate the pause target is about. */
    static final double TARGET_PAUSE_RATE = 5000;
    /** A paced drain's pause target holds only if the drain kept up with its rate, at least this fraction of it. */
    static final double RATE_REACHED = 0.95;
    /** The Go client's pause p99 in the same drain is at most this multiple of the Java client's. */
    static final double TARGET_GO_PAUSE_RATIO = 1.5;

    public record Options(
            int sessions,
            int workers,
            int rounds,
            int warmupRounds,
            int warmupMaxRounds,
            int clientThreads,
            List<Double> limitedRates,
            ProcessFleet.Launch launch,
            Duration moveTimeout,
            Path goWorker) {}

    /**
     * One scenario run (or the median of several). Pauses run from the server's decision to the
     * move's end; {@code clientPause*} is the client library's own (MIGRATE read to WELCOME, Ferry
     * only). CPU seconds by process are user+system.
     */
    public record Figures(
            String scenario,
            String phase,
            String round,
            int sessions,
            double seconds,
            double perSecond,
            double pauseP50Millis,
            double pauseP99Millis,
            double pauseMaxMillis,
            long failures,
            double clientPauseP50Millis,
            double clientPauseP99Millis,
            Map<String, double[]> cpuUserSystemSeconds,
            Map<String, JsonNode> serverMigrations) {
        String row() {
            return String.format(
                    Locale.ROOT,
                    "| %-40s | %-10s | %8d | %8.3f | %9.0f | %7.2f | %7.2f | %8.2f | %5d |",
                    scenario,
                    phase + (round.isEmpty() ? "" : " " + round),
                    sessions,
                    seconds,
                    perSecond,
                    pauseP50Millis,
                    pauseP99Millis,
                    pauseMaxMillis,
                    failures);
        }
    }

    /** A paced Ferry drain and its reconnect baseline at the same rate and window. */
    public record Paced(double rate, Figures ferry, Figures baseline) {}

    public record Result(
            String startedAt,
            String loadAverageBefore,
            String loadAverageAfter,
            int cpus,
            Map<String, Object> options,
            List<Figures> rows,
            Figures ferryMedian,
            Figures baselineMedian,
            Figures baselineAllMedian,
            Figures goMedian,
            List<Paced> paced,
            Map<String, Boolean> targetsMet,
            Map<String, String> serverMetrics,
            Map<String, Long> pids,
            @JsonIgnore Map<String, Histogram> pauses,
            @JsonIgnore Map<String, long[]> timelines) {}

    static final String FERRY = "Ferry drain (drain's window)";
    static final String BASELINE = "Reconnect (same window policy)";
    static final String BASELINE_ALL = "Reconnect (all at once)";
    static final String FERRY_GO = "Ferry drain, Go client (drain's window)";

    static String limited(double rate) {
        return String.format(Locale.ROOT, "Ferry drain at %.0f/s%s", rate, rate == 500 ? " (EMQX default)" : "");
    }

    static String limitedBaseline(double rate) {
        return String.format(Locale.ROOT, "Reconnect at %.0f/s", rate);
    }

    private final Options o;
    private final ProcessFleet fleet;
    private final List<String> peers;
    private final Map<Path, Instant[]> jfrFiles = new LinkedHashMap<>();
    /** Per round: the pause histogram (microseconds) and when each session moved (µs after the start). */
    private final Map<Figures, Histogram> pauseOf = new java.util.IdentityHashMap<>();

    private final Map<Figures, long[]> timelineOf = new java.util.IdentityHashMap<>();

    private IdleDrainBenchmark(Options o, ProcessFleet fleet) {
        this.o = o;
        this.fleet = fleet;
        this.peers = List.of(fleet.server(1).address(), fleet.server(2).address());
    }

    public static Result run(Options o) throws Exception {
        String loadBefore = CpuTimes.loadAverage();
        String started = Instant.now().toString();
        try (ProcessFleet fleet = new ProcessFleet(o.launch(), 3, o.workers(), o.clientThreads(), o.goWorker())) {
            IdleDrainBenchmark b = new IdleDrainBenchmark(o, fleet);
            List<Figures> rows = new ArrayList<>();
            ReconnectPolicy windowed = ReconnectPolicy.sameAsDrain(o.workers(), 0);
            ReconnectPolicy allAtOnce = ReconnectPolicy.ALL_AT_ONCE;
            boolean go = o.goWorker() != null;
            int scenarios = go ? 4 : 3;
            int warmupRun = 0;
            double[] before = null;
            boolean rising = false; // the last two warm-up rounds showed a rise (one round alone shows nothing)
            while (warmupRun < o.warmupMaxRounds()) {
                String round = Integer.toString(++warmupRun);
                List<Figures> warm = new ArrayList<>();
                warm.add(b.ferryRound("warm-up", round, 0, false));
                if (go) warm.add(b.ferryRound(FERRY_GO, fleet.goWorkers(), "warm-up", round, 0, false));
                warm.add(b.baselineRound(BASELINE, "warm-up", round, windowed));
                warm.add(b.baselineRound(BASELINE_ALL, "warm-up", round, allAtOnce));
                rows.addAll(warm);
                double[] now = warm.stream().mapToDouble(Figures::perSecond).toArray();
                boolean compared = before != null;
                rising = compared && stillRising(before, now);
                before = now;
                if (warmupRun >= o.warmupRounds() && compared && !rising) break;
            }
            if (rising)
                log.warn(
                        "idle-drain: rates still rose by more than {}% after {} warm-up rounds",
                        (int) (WARM_RISE * 100), warmupRun);
            List<Figures> ferry = new ArrayList<>();
            List<Figures> baseline = new ArrayList<>();
            List<Figures> baselineAll = new ArrayList<>();
            List<Figures> ferryGo = new ArrayList<>();
            for (int i = 1; i <= o.rounds(); i++) {
                String round = Integer.toString(i);
                // Rotated each round, so no scenario always runs on the machine the previous one left behind.
                for (int k = 0; k < scenarios; k++) {
                    switch ((k + i - 1) % scenarios) {
                        case 0 -> ferry.add(b.ferryRound("measured", round, 0, true));
                        case 1 -> baseline.add(b.baselineRound(BASELINE, "measured", round, windowed));
                        case 2 -> baselineAll.add(b.baselineRound(BASELINE_ALL, "measured", round, allAtOnce));
                        default -> ferryGo.add(b.ferryRound(FERRY_GO, fleet.goWorkers(), "measured", round, 0, false));
                    }
                }
            }
            rows.addAll(ferry);
            rows.addAll(ferryGo);
            rows.addAll(baseline);
            rows.addAll(baselineAll);
            Figures goMedian = go ? median(FERRY_GO, ferryGo) : null;
            if (go) rows.add(goMedian);
            Figures ferryMedian = median(FERRY, ferry);
            Figures baselineMedian = median(BASELINE, baseline);
            Figures baselineAllMedian = median(BASELINE_ALL, baselineAll);
            rows.add(ferryMedian);
            rows.add(baselineMedian);
            rows.add(baselineAllMedian);
            List<Paced> paced = new ArrayList<>();
            for (double rate : o.limitedRates()) {
                Figures f = b.ferryRound("measured", "", rate, false);
                Figures r = b.baselineRound(
                        limitedBaseline(rate), "measured", "", ReconnectPolicy.sameAsDrain(o.workers(), rate));
                paced.add(new Paced(rate, f, r));
                rows.add(f);
                rows.add(r);
            }
            Map<String, Boolean> met = new LinkedHashMap<>();
            met.put(
                    "ratioToReconnectSameWindow>=" + TARGET_RATIO,
                    ferryMedian.perSecond() >= TARGET_RATIO * baselineMedian.perSecond());
            paced.stream()
                    .filter(p -> p.rate() == TARGET_PAUSE_RATE)
                    .findFirst()
                    .ifPresent(p -> met.put(
                            "pauseP99Millis<=" + (long) TARGET_PAUSE_P99_MILLIS + "@" + (long) TARGET_PAUSE_RATE + "/s",
                            p.ferry().pauseP99Millis() <= TARGET_PAUSE_P99_MILLIS && reachedRate(p)));
            if (go) {
                met.put(
                        "goClientPauseP99<=" + TARGET_GO_PAUSE_RATIO + "xJava",
                        goMedian.pauseP99Millis() <= TARGET_GO_PAUSE_RATIO * ferryMedian.pauseP99Millis());
            }
            met.put("noFailures", ferry.stream().allMatch(f -> f.failures() == 0));
            if (go) met.put("noFailuresGoClient", ferryGo.stream().allMatch(f -> f.failures() == 0));
            Map<String, String> serverMetrics = new LinkedHashMap<>();
            for (ProcessFleet.Server s : fleet.servers()) {
                try {
                    serverMetrics.put(s.name(), ferryMetricLines(s.admin().metrics()));
                } catch (java.io.IOException e) {
                    serverMetrics.put(s.name(), "(GET /metrics failed: " + e + ")\n");
                }
            }
            Map<String, Long> pids = fleet.pids();
            if (!b.jfrFiles.isEmpty())
                JfrSummary.write(o.launch().jfrDir(), b.jfrFiles, o.launch().java());
            Map<String, Object> opts = new LinkedHashMap<>();
            opts.put("sessions", o.sessions());
            opts.put("workers", o.workers());
            opts.put("rounds", o.rounds());
            opts.put("warmupRounds", warmupRun);
            opts.put("warmupMinRounds", o.warmupRounds());
            opts.put("warmupMaxRounds", o.warmupMaxRounds());
            opts.put("warmupStillRising", rising);
            opts.put("clientThreads", o.clientThreads());
            opts.put("limitedRates", o.limitedRates());
            opts.put("moveTimeout", o.moveTimeout().toString());
            opts.put("goWorker", String.valueOf(o.goWorker()));
            opts.put("serverJar", o.launch().serverJar().toString());
            opts.put("jvmArgs", o.launch().jvmArgs());
            opts.put("jfrDir", String.valueOf(o.launch().jfrDir()));
            Map<String, Histogram> pauses = new LinkedHashMap<>();
            Map<String, long[]> timelines = new LinkedHashMap<>();
            pauses.put(FERRY, b.merged(ferry));
            pauses.put(BASELINE, b.merged(baseline));
            pauses.put(BASELINE_ALL, b.merged(baselineAll));
            if (go) pauses.put(FERRY_GO, b.merged(ferryGo));
            timelines.put(FERRY, b.timelineOf.get(closestTo(ferry, ferryMedian)));
            timelines.put(BASELINE, b.timelineOf.get(closestTo(baseline, baselineMedian)));
            timelines.put(BASELINE_ALL, b.timelineOf.get(closestTo(baselineAll, baselineAllMedian)));
            for (Paced p : paced) {
                for (Figures f : List.of(p.ferry(), p.baseline())) {
                    pauses.put(f.scenario(), b.pauseOf.get(f));
                    timelines.put(f.scenario(), b.timelineOf.get(f));
                }
            }
            return new Result(
                    started,
                    loadBefore,
                    CpuTimes.loadAverage(),
                    Runtime.getRuntime().availableProcessors(),
                    opts,
                    rows,
                    ferryMedian,
                    baselineMedian,
                    baselineAllMedian,
                    goMedian,
                    paced,
                    met,
                    serverMetrics,
                    pids,
                    pauses,
                    timelines);
        }
    }

    /** Whether a paced Ferry drain moved sessions at (nearly) the rate it was asked for. */
    static boolean reachedRate(Paced p) {
        return p.ferry().perSecond() >= RATE_REACHED * p.rate();
    }

    /** Whether any scenario's rate rose by more than {@link #WARM_RISE} from one warm-up round to the next. */
    static boolean stillRising(double[] before, double[] now) {
        for (int i = 0; i < now.length; i++) if (now[i] > before[i] * (1 + WARM_RISE)) return true;
        return false;
    }

    private Histogram merged(List<Figures> rounds) {
        Histogram h = new Histogram(3);
        for (Figures f : rounds) h.add(pauseOf.get(f));
        return h;
    }

    /** The round whose rate is nearest the median's: its timeline stands for the scenario. */
    private static Figures closestTo(List<Figures> rounds, Figures median) {
        Figures best = rounds.getFirst();
        for (Figures f : rounds) {
            if (Math.abs(f.perSecond() - median.perSecond()) < Math.abs(best.perSecond() - median.perSecond()))
                best = f;
        }
        return best;
    }

    private static long[] micros(JsonNode array) {
        long[] v = new long[array.size()];
        for (int i = 0; i < v.length; i++) v[i] = array.get(i).asLong();
        return v;
    }

    private static long[] concat(List<long[]> parts) {
        return parts.stream().flatMapToLong(java.util.Arrays::stream).toArray();
    }

    /** Opens every session on pod-0 (pod-0 serving again first), spread over the Java client's workers. */
    private void openOnPod0() throws Exception {
        openOnPod0(fleet.workers());
    }

    /** Opens every session on pod-0 (pod-0 serving again first), spread over {@code workers}. */
    private void openOnPod0(List<ChildProcess> workers) throws Exception {
        fleet.server(0).admin().cancelDrain(); // serving again after the previous drain
        int per = o.sessions() / workers.size();
        int extra = o.sessions() % workers.size();
        for (int i = 0; i < workers.size(); i++) {
            workers.get(i).send("OPEN " + fleet.server(0).address() + " " + (per + (i < extra ? 1 : 0)));
        }
        int opened = 0;
        for (ChildProcess w : workers)
            opened += expect(w, "OPENED", Duration.ofMinutes(5))
                    .body()
                    .path("opened")
                    .asInt();
        if (opened != o.sessions()) log.warn("only {} of {} sessions opened on pod-0", opened, o.sessions());
        StatusResponse status = fleet.server(0).admin().status();
        log.debug("pod-0 before the drain: {}", status.sessions());
    }

    private Figures ferryRound(String phase, String round, double rate, boolean dumpProfile) throws Exception {
        return ferryRound(rate > 0 ? limited(rate) : FERRY, fleet.workers(), phase, round, rate, dumpProfile);
    }

    /** A Ferry drain of sessions held by {@code workers} (the Java client's, or the Go client's). */
    private Figures ferryRound(
            String scenario, List<ChildProcess> workers, String phase, String round, double rate, boolean dumpProfile)
            throws Exception {
        log.info("{} {} {}: opening {} sessions on pod-0", scenario, phase, round, o.sessions());
        openOnPod0(workers);
        fleet.moveDecisions(0); // forget decisions of earlier rounds: this round's are read after it
        Map<String, Migrations> migrationsBefore = serverMigrations();
        CpuTimes.Snapshot cpuBefore = CpuTimes.snapshot(fleet.pids());
        Instant wallStart = Instant.now();
        long t0 = System.nanoTime();
        fleet.server(0).admin().drain(peers, rate);
        Duration bound = o.moveTimeout().plusSeconds(rate > 0 ? (long) Math.ceil(o.sessions() / rate) : 0);
        long last = t0;
        boolean allMoved = true;
        List<ChildProcess> waiting = new ArrayList<>(workers);
        long settledAt = 0;
        long lastPoll = System.nanoTime();
        while (!waiting.isEmpty()) {
            ChildProcess w = waiting.getFirst();
            try {
                ChildProcess.Line l = w.await("MOVED", Duration.ofMillis(200));
                WorkerProtocol.Message m = WorkerProtocol.parse(l.text());
                if (!m.word().equals("MOVED")) throw new IllegalStateException(w.name() + " said " + l.text());
                last = Math.max(last, l.nanos());
                waiting.removeFirst();
                continue;
            } catch (TimeoutException e) {
                // not yet: see below whether the drain is still under way
            }
            long now = System.nanoTime();
            if (now - t0 > bound.toNanos()) {
                log.warn("{} worker(s) still waiting for sessions to move after {}: giving up", waiting.size(), bound);
                allMoved = false;
                break;
            }
            if (now - lastPoll > 500_000_000L) {
                lastPoll = now;
                // A migration that failed leaves its session on pod-0 (FAILED): the client never moves
                // and its worker never says MOVED. Once pod-0 has nothing in flight, give the clients
                // a few seconds more and then count what has not moved as failures.
                StatusResponse st = fleet.server(0).admin().status();
                Map<String, Long> by = st.sessions().byState();
                long inFlight = by.getOrDefault("REQUESTED", 0L)
                        + by.getOrDefault("READY", 0L)
                        + (st.drain() == null ? 0 : st.drain().notYetRequested());
                if (inFlight == 0 && settledAt == 0) {
                    settledAt = now;
                    log.info("pod-0 has no migration in flight any more ({}); waiting 5 s for the clients", by);
                } else if (settledAt != 0 && now - settledAt > 5_000_000_000L) {
                    log.warn(
                            "pod-0 settled but {} worker(s) did not see all their sessions move: counting failures",
                            waiting.size());
                    allMoved = false;
                    break;
                }
            }
        }
        long t1 = allMoved ? last : (settledAt != 0 ? settledAt : System.nanoTime());
        CpuTimes.Snapshot cpuAfter = CpuTimes.snapshot(fleet.pids());
        Instant wallEnd = Instant.now();
        double seconds = (t1 - t0) / 1e9;

        Histogram clientPause = new Histogram(3);
        Map<String, Long> movedAt = new HashMap<>();
        long moved = 0;
        List<long[]> times = new ArrayList<>();
        for (ChildProcess w : workers) {
            w.send("REPORT " + t0);
            JsonNode r = expect(w, "REPORT", Duration.ofSeconds(60)).body();
            clientPause.add(WorkerProtocol.pause(r));
            moved += r.path("moved").asLong();
            times.add(micros(r.path("moveMicros")));
            r.path("movedAt")
                    .properties()
                    .forEach(e -> movedAt.put(e.getKey(), e.getValue().asLong()));
            ObjectNode summary =
                    ((ObjectNode) r.deepCopy()).without(List.of("pause", "pauseMicros", "moveMicros", "movedAt"));
            log.debug("{}: {}", w.name(), summary);
        }
        Histogram pause = SinceDecision.pauses(fleet.moveDecisions(0), movedAt, scenario);
        long failures = o.sessions() - moved; // not moved in time, failed, or never opened
        Map<String, JsonNode> migrations = delta(migrationsBefore, serverMigrations());
        if (dumpProfile && fleet.launch().jfrDir() != null) {
            for (Path file : fleet.dumpJfr("drain-" + round, wallStart.minusSeconds(1), wallEnd.plusSeconds(1))) {
                jfrFiles.put(file, new Instant[] {wallStart, wallEnd});
            }
        }
        closeAll(workers);
        Figures f = new Figures(
                scenario,
                phase,
                round,
                o.sessions(),
                seconds,
                moved / seconds,
                pct(pause, 50),
                pct(pause, 99),
                max(pause),
                failures,
                pct(clientPause, 50),
                pct(clientPause, 99),
                cpu(cpuAfter.minus(cpuBefore)),
                migrations);
        pauseOf.put(f, pause);
        timelineOf.put(f, concat(times));
        log.info("{}", f.row());
        return f;
    }

    /**
     * Every session reconnects to a peer under {@code policy}, which is split evenly over the
     * workers (each takes its share of the window and of the rate).
     */
    private Figures baselineRound(String scenario, String phase, String round, ReconnectPolicy policy)
            throws Exception {
        log.info("{} {} {}: opening {} sessions on pod-0", scenario, phase, round, o.sessions());
        openOnPod0();
        CpuTimes.Snapshot cpuBefore = CpuTimes.snapshot(fleet.pids());
        long t0 = System.nanoTime();
        List<ChildProcess> workers = fleet.workers();
        for (int i = 0; i < workers.size(); i++) {
            double rate = policy.perSecond() / workers.size();
            workers.get(i)
                    .send(String.format(
                            Locale.ROOT,
                            "BASELINE %s %d %d %s",
                            String.join(",", peers),
                            t0,
                            policy.windowParts(),
                            rate));
        }
        Histogram pause = new Histogram(3);
        List<long[]> times = new ArrayList<>();
        long reconnected = 0;
        long last = t0;
        Duration bound = o.moveTimeout()
                .plusMinutes(2)
                .plusSeconds(policy.perSecond() > 0 ? (long) Math.ceil(o.sessions() / policy.perSecond()) : 0);
        for (ChildProcess w : workers) {
            ChildProcess.Line l = w.await("BASELINED", bound);
            WorkerProtocol.Message m = WorkerProtocol.parse(l.text());
            if (!m.word().equals("BASELINED")) throw new IllegalStateException(w.name() + " said " + l.text());
            last = Math.max(last, l.nanos());
            pause.add(WorkerProtocol.decode(m.body().path("pause").asText()));
            reconnected += m.body().path("reconnected").asLong();
            times.add(micros(m.body().path("doneMicros")));
        }
        CpuTimes.Snapshot cpuAfter = CpuTimes.snapshot(fleet.pids());
        double seconds = (last - t0) / 1e9;
        closeAll();
        Figures f = new Figures(
                scenario,
                phase,
                round,
                o.sessions(),
                seconds,
                reconnected / seconds,
                pct(pause, 50),
                pct(pause, 99),
                max(pause),
                o.sessions() - reconnected,
                0,
                0,
                cpu(cpuAfter.minus(cpuBefore)),
                Map.of());
        pauseOf.put(f, pause);
        timelineOf.put(f, concat(times));
        log.info("{}", f.row());
        return f;
    }

    private static double max(Histogram h) {
        return h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1000.0;
    }

    private void closeAll() throws Exception {
        closeAll(fleet.workers());
    }

    private static void closeAll(List<ChildProcess> workers) throws Exception {
        for (ChildProcess w : workers) w.send("CLOSE");
        for (ChildProcess w : workers) expect(w, "CLOSED", Duration.ofMinutes(2));
    }

    private Map<String, Migrations> serverMigrations() throws Exception {
        Map<String, Migrations> m = new LinkedHashMap<>();
        for (ProcessFleet.Server s : fleet.servers())
            m.put(s.name(), s.admin().status().migrations());
        return m;
    }

    private static Map<String, JsonNode> delta(Map<String, Migrations> before, Map<String, Migrations> after) {
        Map<String, JsonNode> d = new LinkedHashMap<>();
        after.forEach((pod, a) -> {
            Migrations b = before.get(pod);
            var n = WorkerProtocol.JSON.createObjectNode();
            n.put("requested", a.requested() - b.requested());
            n.put("completed", a.completed() - b.completed());
            n.put("failed", a.failed() - b.failed());
            if (a.failed() > b.failed()) n.put("lastFailure", a.lastFailure());
            d.put(pod, n);
        });
        return d;
    }

    private static WorkerProtocol.Message expect(ChildProcess w, String word, Duration timeout) throws Exception {
        WorkerProtocol.Message m = WorkerProtocol.parse(w.await(word, timeout).text());
        while (m.word().equals("MOVED") && !word.equals("MOVED")) { // late, after the round gave up waiting
            m = WorkerProtocol.parse(w.await(word, timeout).text());
        }
        if (!m.word().equals(word))
            throw new IllegalStateException(
                    w.name() + " answered " + m.word() + " " + m.body() + " instead of " + word);
        return m;
    }

    private static Duration remaining(long t0, Duration bound) {
        long left = bound.toNanos() - (System.nanoTime() - t0);
        return Duration.ofNanos(Math.max(1_000_000, left));
    }

    private static double pct(Histogram h, double p) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(p) / 1000.0;
    }

    private static Map<String, double[]> cpu(Map<String, CpuTimes.Ticks> d) {
        Map<String, double[]> m = new LinkedHashMap<>();
        d.forEach((k, v) -> m.put(k, new double[] {v.userSeconds(), v.systemSeconds()}));
        return m;
    }

    /** Each figure's median over the rounds (CPU seconds too); failures are summed. */
    static Figures median(String scenario, List<Figures> runs) {
        Map<String, double[]> cpu = new LinkedHashMap<>();
        for (String k : runs.getFirst().cpuUserSystemSeconds().keySet()) {
            cpu.put(k, new double[] {
                median(runs, f -> f.cpuUserSystemSeconds().getOrDefault(k, new double[2])[0]),
                median(runs, f -> f.cpuUserSystemSeconds().getOrDefault(k, new double[2])[1])
            });
        }
        return new Figures(
                scenario,
                "median",
                "",
                runs.getFirst().sessions(),
                median(runs, Figures::seconds),
                median(runs, Figures::perSecond),
                median(runs, Figures::pauseP50Millis),
                median(runs, Figures::pauseP99Millis),
                median(runs, Figures::pauseMaxMillis),
                runs.stream().mapToLong(Figures::failures).sum(),
                median(runs, Figures::clientPauseP50Millis),
                median(runs, Figures::clientPauseP99Millis),
                cpu,
                Map.of());
    }

    private static double median(List<Figures> runs, ToDoubleFunction<Figures> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** The lines of a Prometheus scrape about migrations and the context store's timers. */
    static String ferryMetricLines(String prometheus) {
        StringBuilder b = new StringBuilder();
        for (String line : prometheus.split("\n")) {
            if (line.startsWith("#")) continue;
            if (line.startsWith("ferry_context_export")
                    || line.startsWith("ferry_context_claim")
                    || line.startsWith("ferry_migrations")
                    || line.startsWith("ferry_sessions_resumed")) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    public static String table(Result r) {
        StringBuilder b = new StringBuilder();
        b.append(
                "| scenario                                 | phase      | sessions | seconds  | moves/s   | p50 ms  | p99 ms  | max ms   | fails |\n");
        b.append(
                "|------------------------------------------|------------|----------|----------|-----------|---------|---------|----------|-------|\n");
        for (Figures f : r.rows()) b.append(f.row()).append('\n');
        return b.toString();
    }

    /** CPU seconds (user / system) per process, medians of the measured rounds, next to the wall time. */
    public static String cpuTable(Result r) {
        StringBuilder b = new StringBuilder();
        Figures f = r.ferryMedian();
        Figures base = r.baselineMedian();
        b.append(String.format(
                Locale.ROOT, "| process | %s: user s | sys s | %s: user s | sys s |%n", "Ferry drain", "Baseline"));
        b.append("|---|---|---|---|---|\n");
        double ours = 0;
        double oursBase = 0;
        for (var e : f.cpuUserSystemSeconds().entrySet()) {
            double[] v = e.getValue();
            double[] w = base.cpuUserSystemSeconds().getOrDefault(e.getKey(), new double[2]);
            if (!e.getKey().equals(CpuTimes.MACHINE)) {
                ours += v[0] + v[1];
                oursBase += w[0] + w[1];
            }
            b.append(String.format(
                    Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f |%n", e.getKey(), v[0], v[1], w[0], w[1]));
        }
        double[] m = f.cpuUserSystemSeconds().getOrDefault(CpuTimes.MACHINE, new double[2]);
        double[] mb = base.cpuUserSystemSeconds().getOrDefault(CpuTimes.MACHINE, new double[2]);
        b.append(String.format(
                Locale.ROOT,
                "%nFerry drain: %.2f s wall x %d CPUs = %.2f CPU-s available; benchmark processes used %.2f, machine %.2f (others %.2f).%n",
                f.seconds(),
                r.cpus(),
                f.seconds() * r.cpus(),
                ours,
                m[0] + m[1],
                m[0] + m[1] - ours));
        b.append(String.format(
                Locale.ROOT,
                "Baseline:    %.2f s wall x %d CPUs = %.2f CPU-s available; benchmark processes used %.2f, machine %.2f (others %.2f).%n",
                base.seconds(),
                r.cpus(),
                base.seconds() * r.cpus(),
                oursBase,
                mb[0] + mb[1],
                mb[0] + mb[1] - oursBase));
        return b.toString();
    }
}
