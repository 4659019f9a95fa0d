package dev.ferry.node.bench;

import dev.ferry.node.Fleet;
import dev.ferry.node.FleetStatus;
import dev.ferry.node.Kubectl;
import dev.ferry.node.NodeCluster;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerCondition;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricStatus;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The operator's own autoscaler ({@code spec.autoscaling}, sessions per pod) against a HorizontalPodAutoscaler on
 * CPU, on the node cluster (scripts/node.sh), in one run with the same clients, pacing and load profile: base
 * clients hold the fleet at rest, a surge of more clients connects and stays for a while, then leaves; the run
 * ends when the fleet is back at its resting replicas (or a timeout). Every second it samples spec.replicas,
 * ready replicas and sessions per pod from the fleet's status and the clients' counters; the figures are the
 * reaction times, the peak, the most sessions on one pod, and what the clients saw. Writes
 * {@code bench/results/autoscale.json} ({@code autoscale-baseline-first.json} with {@code --baseline-first}).
 */
@Command(
        name = "autoscale",
        mixinStandardHelpOptions = true,
        description = "A surge of clients on an autoscaled fleet: spec.autoscaling on sessions vs an HPA on CPU.")
final class AutoscaleBenchmark implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(AutoscaleBenchmark.class);
    static final String SCENARIO = "autoscale";
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration CONNECT_TIMEOUT = Duration.ofMinutes(3);
    /** Samples kept on the charts before the surge. */
    private static final double CHART_FROM_SECONDS = -30;
    /** Sampled after the fleet is back at rest, so the charts show it there. */
    private static final int TAIL_SECONDS = 5;
    /** The fleet's migration timers: a scale-down drains its pods (both runs alike). */
    private static final int IDLE_MIGRATION_SECONDS = 60;

    private static final int SESSION_IDLE_SECONDS = 600;
    static final String METRICS_PATH = "/apis/metrics.k8s.io/v1beta1/nodes";

    @Option(
            names = "--base-clients",
            defaultValue = "80",
            description = "clients connected throughout (default ${DEFAULT-VALUE})")
    int baseClients;

    @Option(
            names = "--surge-clients",
            defaultValue = "200",
            description = "clients that connect at the surge and leave after the hold (default ${DEFAULT-VALUE})")
    int surgeClients;

    @Option(
            names = "--target-sessions-per-pod",
            defaultValue = "100",
            description = "spec.autoscaling.targetSessionsPerPod of Ferry's fleet (default ${DEFAULT-VALUE})")
    int targetSessionsPerPod;

    @Option(
            names = "--max-replicas",
            defaultValue = "4",
            description = "maxReplicas of both autoscalers; minReplicas is 1 (default ${DEFAULT-VALUE})")
    int maxReplicas;

    @Option(
            names = "--scale-down-window-seconds",
            defaultValue = "60",
            description = "scale-down stabilisation window of both autoscalers (default ${DEFAULT-VALUE})")
    int scaleDownWindowSeconds;

    @Option(
            names = "--cpu-target-percent",
            defaultValue = "80",
            description = "the HPA's target averageUtilization of the pods' CPU request (default ${DEFAULT-VALUE})")
    int cpuTargetPercent;

    @Option(
            names = "--think-time-ms",
            defaultValue = "400",
            description = "pause between a client's commands (default ${DEFAULT-VALUE})")
    int thinkTimeMillis;

    @Option(
            names = "--settle-seconds",
            defaultValue = "150",
            description = "base load before the surge, for both autoscalers to settle (default ${DEFAULT-VALUE})")
    int settleSeconds;

    @Option(
            names = "--hold-seconds",
            defaultValue = "120",
            description = "how long the surge clients stay once connected (default ${DEFAULT-VALUE})")
    int holdSeconds;

    @Option(
            names = "--rest-timeout-seconds",
            defaultValue = "300",
            description =
                    "after the surge left, how long to wait for the fleet to be back at its resting replicas (default ${DEFAULT-VALUE})")
    int restTimeoutSeconds;

    @Option(
            names = "--max-seconds",
            defaultValue = "900",
            description = "longest a run goes on after the surge began (default ${DEFAULT-VALUE})")
    int maxSeconds;

    @Option(
            names = "--quick",
            description = "a small run: 20 + 40 clients at 20 per pod (unless given), 20 s settle, 30 s hold, windows"
                    + " of at most 30 s; writes node/target/bench/results-quick/")
    boolean quick;

    @Option(names = "--baseline-first", description = "run the HPA's fleet first (checks for an order bias)")
    boolean baselineFirst;

    @Option(
            names = "--migration-rate",
            defaultValue = "1000",
            description = "migrationRatePerSecond of the fleets (default ${DEFAULT-VALUE})")
    int migrationRate;

    @Option(
            names = "--rebalance-rate",
            defaultValue = "100",
            description = "spec.rebalance.ratePerSecond of the fleets (default ${DEFAULT-VALUE})")
    int rebalanceRate;

    @Option(
            names = "--baseline-rebalance",
            defaultValue = "true",
            arity = "1",
            description = "rebalance on in the baseline's fleet too, as spec.autoscaling turns it on in Ferry's"
                    + " (default ${DEFAULT-VALUE})")
    boolean baselineRebalance;

    @Option(
            names = "--server-memory",
            defaultValue = "512Mi",
            description = "memory request and limit of each server pod (default ${DEFAULT-VALUE})")
    String serverMemory;

    @Option(
            names = "--server-cpu",
            defaultValue = "100m",
            description = "CPU request of each server pod, no limit; the HPA's utilisation is of this"
                    + " (default ${DEFAULT-VALUE})")
    String serverCpu;

    @Option(
            names = "--results-dir",
            description =
                    "where to write the JSON (default bench/results, or node/target/bench/results-quick with --quick)")
    Path resultsDir;

    @Option(
            names = "--command",
            defaultValue = "scripts/bench-operator.sh autoscale",
            description = "how this run was started, for the JSON")
    String command;

    private final PrintStream out = System.out;
    private final long t0 = System.nanoTime();

    /** What one run measured; seconds of samples and events since the surge began. */
    record Run(
            String label,
            List<AutoscaleTimeline.Sample> samples,
            double leftAt,
            boolean backAtRest,
            double endedAt,
            ClosedLoopClients.Outcome base,
            ClosedLoopClients.Outcome surge,
            List<String> scaleEvents,
            List<String> conditions,
            List<String> hpaConditions,
            long statusMigrationsCompleted,
            long statusMigrationsFailed) {

        AutoscaleTimeline.Figures figures() {
            return AutoscaleTimeline.figures(samples, leftAt);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (quick) {
            baseClients = baseClients == 80 ? 16 : baseClients;
            surgeClients = surgeClients == 200 ? 40 : surgeClients;
            targetSessionsPerPod = targetSessionsPerPod == 100 ? 20 : targetSessionsPerPod;
            settleSeconds = Math.min(settleSeconds, 20);
            holdSeconds = Math.min(holdSeconds, 30);
            scaleDownWindowSeconds = Math.min(scaleDownWindowSeconds, 30);
            restTimeoutSeconds = Math.min(restTimeoutSeconds, 180);
            maxSeconds = Math.min(maxSeconds, 420);
        }
        // The defaults are the full size: below the target per pod at rest (80 of 100) so one session more does not
        // scale, and a CPU target (80 % of 100m at 400 ms think time) that the servers' JVM start-up does not cross.
        boolean smoke = quick || baseClients < 80 || surgeClients < 200 || settleSeconds < 150 || holdSeconds < 120;
        if (baselineFirst && !command.contains("--baseline-first")) {
            command += " --baseline-first"; // the report generator tells the orders apart by the command
        }
        String title = String.format(
                Locale.ROOT,
                "Autoscaling under a surge of %,d clients on %,d: sessions per pod vs CPU",
                surgeClients,
                baseClients);
        try (NodeCluster cluster = NodeCluster.connect()) {
            requireMetricsApi(cluster.kubectl());
            Provenance provenance = Provenance.capture(cluster.repo(), BenchMain.arguments(), smoke);
            BenchReport report = new BenchReport(
                    SCENARIO,
                    title,
                    command,
                    String.format(
                            Locale.ROOT,
                            "the same fleet without spec.autoscaling, scaled by an autoscaling/v2"
                                    + " HorizontalPodAutoscaler on CPU (%d %% of the pods' %s request)",
                            cpuTargetPercent,
                            serverCpu),
                    provenance);
            say(
                    "autoscale benchmark (%s first): %d base + %d surge clients, think time %d ms, target %d sessions"
                            + " per pod vs CPU %d %%, max %d replicas, scale-down window %d s, settle %d s, hold %d s;"
                            + " %s",
                    baselineFirst ? "baseline" : "Ferry",
                    baseClients,
                    surgeClients,
                    thinkTimeMillis,
                    targetSessionsPerPod,
                    cpuTargetPercent,
                    maxReplicas,
                    scaleDownWindowSeconds,
                    settleSeconds,
                    holdSeconds,
                    provenance.shortText());
            BenchSetup.ensureFerry(cluster, STEP_TIMEOUT);
            String namespace = cluster.createNamespace("bench-autoscale");
            say("cluster nodes %s; namespace %s", cluster.nodes(), namespace);
            Run ferry;
            Run baseline;
            try {
                if (baselineFirst) {
                    baseline = run(cluster, namespace, "baseline", false);
                    ferry = run(cluster, namespace, "ferry", true);
                } else {
                    ferry = run(cluster, namespace, "ferry", true);
                    baseline = run(cluster, namespace, "baseline", false);
                }
            } finally {
                cluster.deleteNamespace(namespace);
            }
            describe(report, ferry, baseline);
            Map<String, Object> options = new LinkedHashMap<>();
            options.put("baseClients", baseClients);
            options.put("surgeClients", surgeClients);
            options.put("thinkTimeMillis", thinkTimeMillis);
            options.put("settleSeconds", settleSeconds);
            options.put("holdSeconds", holdSeconds);
            options.put("restTimeoutSeconds", restTimeoutSeconds);
            options.put("maxSeconds", maxSeconds);
            options.put("minReplicas", 1);
            options.put("maxReplicas", maxReplicas);
            options.put("targetSessionsPerPod", targetSessionsPerPod);
            options.put("cpuTargetPercent", cpuTargetPercent);
            options.put("scaleDownWindowSeconds", scaleDownWindowSeconds);
            options.put("migrationRatePerSecond", migrationRate);
            options.put("rebalanceRatePerSecond", rebalanceRate);
            options.put("baselineRebalance", baselineRebalance);
            options.put("serverMemory", serverMemory);
            options.put("serverCpuRequest", serverCpu);
            report.fact("order", baselineFirst ? List.of("baseline", "ferry") : List.of("ferry", "baseline"))
                    .fact("options", options)
                    .fact("image", BenchFleets.SERVER_IMAGE)
                    .fact("nodes", cluster.nodes())
                    .fact("timelineColumns", AutoscaleTimeline.COLUMNS)
                    .fact(
                            "timelines",
                            both(AutoscaleTimeline.rows(ferry.samples()), AutoscaleTimeline.rows(baseline.samples())))
                    .fact("surgeLeftAtSeconds", both(ferry.leftAt(), baseline.leftAt()))
                    .fact("endedAtSeconds", both(ferry.endedAt(), baseline.endedAt()))
                    .fact("backAtRest", both(ferry.backAtRest(), baseline.backAtRest()));
            out.println();
            out.print(report.summary());
            String file = baselineFirst ? SCENARIO + "-baseline-first.json" : SCENARIO + ".json";
            out.println("wrote " + report.write(BenchSetup.resultsDir(cluster, resultsDir, quick), file));
        }
        return 0;
    }

    /** {@code {"ferry": f, "baseline": b}} in that order. */
    private static Map<String, Object> both(Object ferry, Object baseline) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ferry", ferry);
        m.put("baseline", baseline);
        return m;
    }

    /** Fails at once, saying what to do, when the cluster serves no resource metrics: the HPA would never act. */
    static void requireMetricsApi(Kubectl kubectl) {
        Kubectl.Outcome o = kubectl.attempt(null, Duration.ofSeconds(30), "get", "--raw", METRICS_PATH);
        if (!o.ok()) {
            throw new IllegalStateException(
                    "the autoscale benchmark's baseline is a HorizontalPodAutoscaler on CPU,"
                            + " which needs the resource metrics API, but `kubectl get --raw " + METRICS_PATH
                            + "` did not answer (exit " + o.exitCode() + "): "
                            + o.err().strip()
                            + "; scripts/node.sh up installs metrics-server and waits for it (scripts/node.sh status shows it)");
        }
    }

    private Run run(NodeCluster cluster, String namespace, String label, boolean ferry) throws Exception {
        String extraSpec = ferry
                ? autoscalingSpec(maxReplicas, targetSessionsPerPod, scaleDownWindowSeconds)
                        + rebalanceSpec(rebalanceRate)
                : baselineRebalance ? rebalanceSpec(rebalanceRate) : "";
        say(
                "== %s: fleet of 1 pod %s",
                label,
                ferry
                        ? "with spec.autoscaling (target " + targetSessionsPerPod + " sessions per pod)"
                        : "scaled by an HPA on CPU (" + cpuTargetPercent + " % of " + serverCpu + ")");
        Fleet fleet = Fleet.apply(
                cluster,
                namespace,
                BenchFleets.manifest(
                        label,
                        1,
                        BenchFleets.SERVER_IMAGE,
                        IDLE_MIGRATION_SECONDS,
                        SESSION_IDLE_SECONDS,
                        migrationRate,
                        serverCpu,
                        serverMemory,
                        extraSpec));
        String hpa = ferry ? null : label;
        try {
            fleet.awaitSettled(1, STEP_TIMEOUT);
            fleet.awaitServiceRoutes(1, STEP_TIMEOUT);
            if (hpa != null) {
                cluster.kubectl()
                        .runWithInput(
                                hpaManifest(hpa, fleet.name(), maxReplicas, cpuTargetPercent, scaleDownWindowSeconds),
                                "apply",
                                "--server-side",
                                "-n",
                                namespace,
                                "-f",
                                "-");
            }
            String address = fleet.serviceAddress();
            try (ClosedLoopClients base =
                    new ClosedLoopClients(baseClients, Duration.ofMillis(thinkTimeMillis), address)) {
                base.start(CONNECT_TIMEOUT);
                Sampler sampler = new Sampler(cluster, fleet, hpa, base);
                try {
                    say("%d base sessions open through the Service %s", baseClients, address);
                    if (hpa != null) awaitHpaActive(cluster, namespace, hpa);
                    Thread.sleep(Duration.ofSeconds(settleSeconds));
                    int resting = fleet.specReplicas();
                    Instant surgeAt = Instant.now();
                    sampler.markZero();
                    say(
                            "surge: %d more clients (resting at %d replicas, %s)",
                            surgeClients, resting, fleet.status().sessionsByPod());
                    ClosedLoopClients.Outcome surgeOutcome;
                    double leftAt;
                    try (ClosedLoopClients surge =
                            new ClosedLoopClients(surgeClients, Duration.ofMillis(thinkTimeMillis), address)) {
                        surge.start(CONNECT_TIMEOUT);
                        // Only now: the clients' list of users is not safe to read while start() fills it. Their
                        // counters are cumulative, so the first sample with them counts everything since 0 s.
                        sampler.add(surge);
                        say("%d surge sessions open; holding %d s", surgeClients, holdSeconds);
                        Thread.sleep(Duration.ofSeconds(holdSeconds));
                        leftAt = sampler.secondsSinceZero();
                        say(
                                "the surge leaves at +%.1f s (replicas %d, sessions per pod %s)",
                                leftAt, fleet.specReplicas(), fleet.status().sessionsByPod());
                        surgeOutcome = surge.stop(Duration.ofMinutes(2));
                    }
                    double deadline = Math.min(leftAt + restTimeoutSeconds, maxSeconds);
                    boolean atRest = awaitRest(fleet, resting, sampler, deadline);
                    double endedAt = sampler.secondsSinceZero();
                    say(
                            atRest
                                    ? "back at %d replicas at +%.1f s"
                                    : "not back at %d replicas by +%.1f s (the timeout); ending the run",
                            resting,
                            endedAt);
                    Thread.sleep(Duration.ofSeconds(TAIL_SECONDS));
                    sampler.close();
                    ClosedLoopClients.Outcome baseOutcome = base.stop(Duration.ofMinutes(1));
                    FleetStatus last = fleet.status();
                    return new Run(
                            label,
                            sampler.samples(),
                            leftAt,
                            atRest,
                            endedAt,
                            baseOutcome,
                            surgeOutcome,
                            scaleEvents(cluster, fleet, hpa, surgeAt),
                            last.conditions().stream()
                                    .map(c -> c.type() + "=" + c.status() + " (" + c.reason() + ")")
                                    .toList(),
                            hpa == null ? List.of() : hpaConditions(hpa(cluster, namespace, hpa)),
                            last.migrations().completedCount(),
                            last.migrations().failedCount());
                } finally {
                    sampler.close();
                }
            }
        } finally {
            if (hpa != null) {
                cluster.kubectl()
                        .attempt(
                                null,
                                Duration.ofMinutes(1),
                                "delete",
                                "hpa",
                                hpa,
                                "-n",
                                namespace,
                                "--ignore-not-found");
            }
            BenchFleets.remove(cluster, fleet);
        }
    }

    /**
     * Waits until the fleet is settled at its resting replicas again (every drain of the scale-down done), or the
     * deadline (seconds since the surge) passes; true when it got there.
     */
    private boolean awaitRest(Fleet fleet, int resting, Sampler sampler, double deadline) throws InterruptedException {
        while (sampler.secondsSinceZero() < deadline) {
            try {
                Fleet.State s = fleet.state();
                if (s.specReplicas() == resting && s.status().settled(fleet.generation(), resting)) return true;
            } catch (RuntimeException e) {
                log.warn("reading the fleet failed, trying again: {}", e.toString());
            }
            Thread.sleep(1000);
        }
        return false;
    }

    /** Waits until the HPA has read the pods' CPU (condition ScalingActive True), failing with its reason. */
    private void awaitHpaActive(NodeCluster cluster, String namespace, String name) {
        HorizontalPodAutoscaler[] last = new HorizontalPodAutoscaler[1];
        try {
            NodeCluster.await("HorizontalPodAutoscaler " + name + " active", Duration.ofMinutes(3), () -> {
                last[0] = hpa(cluster, namespace, name);
                return last[0] != null
                        && last[0].getStatus() != null
                        && last[0].getStatus().getConditions() != null
                        && last[0].getStatus().getConditions().stream()
                                .anyMatch(c -> "ScalingActive".equals(c.getType()) && "True".equals(c.getStatus()));
            });
        } catch (IllegalStateException e) {
            throw new IllegalStateException(
                    e.getMessage() + "; its conditions: "
                            + (last[0] == null ? "none" : hpaConditions(last[0]))
                            + " (is metrics-server serving the pods' CPU?)",
                    e);
        }
        say("HPA %s active: %s", name, hpaConditions(last[0]));
    }

    private static HorizontalPodAutoscaler hpa(NodeCluster cluster, String namespace, String name) {
        return cluster.client()
                .autoscaling()
                .v2()
                .horizontalPodAutoscalers()
                .inNamespace(namespace)
                .withName(name)
                .get();
    }

    private static List<String> hpaConditions(HorizontalPodAutoscaler h) {
        if (h == null || h.getStatus() == null || h.getStatus().getConditions() == null) return List.of();
        List<String> out = new ArrayList<>();
        for (HorizontalPodAutoscalerCondition c : h.getStatus().getConditions()) {
            out.add(c.getType() + "=" + c.getStatus() + " (" + c.getReason() + ": " + c.getMessage() + ")");
        }
        return out;
    }

    /** The HPA's current average CPU utilisation, or null before it has one. */
    static Integer cpuPercent(HorizontalPodAutoscaler h) {
        if (h == null || h.getStatus() == null || h.getStatus().getCurrentMetrics() == null) return null;
        for (MetricStatus m : h.getStatus().getCurrentMetrics()) {
            if (m.getResource() != null
                    && "cpu".equals(m.getResource().getName())
                    && m.getResource().getCurrent() != null) {
                return m.getResource().getCurrent().getAverageUtilization();
            }
        }
        return null;
    }

    /** Each change of replicas the autoscaler recorded as an Event, with its time since the surge. */
    private static List<String> scaleEvents(NodeCluster cluster, Fleet fleet, String hpa, Instant surgeAt) {
        try {
            List<Event> events = hpa == null
                    ? fleet.events("Autoscaled")
                    : fleet.events("HorizontalPodAutoscaler", hpa, "SuccessfulRescale");
            List<String> out = new ArrayList<>();
            for (Event e : events) {
                double at = Duration.between(surgeAt, Fleet.eventTime(e)).toMillis() / 1000.0;
                String note = e.getNote() != null ? e.getNote() : "";
                out.add(String.format(Locale.ROOT, "%+.1f s: %s", at, note.strip()));
            }
            return out;
        } catch (RuntimeException e) {
            log.warn("cannot list the autoscaler's Events: {}", e.toString());
            return List.of("(Events not readable: " + e.getMessage() + ")");
        }
    }

    // ------------------------------------------------------------------ manifests

    /** {@code spec.autoscaling} of Ferry's fleet, as lines under {@code spec:}. */
    static String autoscalingSpec(int maxReplicas, int targetSessionsPerPod, int scaleDownWindowSeconds) {
        return """
                  autoscaling:
                    minReplicas: 1
                    maxReplicas: %d
                    targetSessionsPerPod: %d
                    scaleDown:
                      stabilizationWindowSeconds: %d
                """.formatted(maxReplicas, targetSessionsPerPod, scaleDownWindowSeconds);
    }

    /** {@code spec.rebalance} on, as lines under {@code spec:}. */
    static String rebalanceSpec(int ratePerSecond) {
        return """
                  rebalance:
                    enabled: true
                    ratePerSecond: %d
                """.formatted(ratePerSecond);
    }

    /**
     * The baseline's HorizontalPodAutoscaler: CPU utilisation of the fleet's pods (of their request), 1 to
     * {@code maxReplicas}, the scale-down window given and the scale-up behaviour Kubernetes' default.
     */
    static String hpaManifest(
            String name, String fleet, int maxReplicas, int cpuTargetPercent, int scaleDownWindowSeconds) {
        return """
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: %s
                spec:
                  scaleTargetRef:
                    apiVersion: %s
                    kind: %s
                    name: %s
                  minReplicas: 1
                  maxReplicas: %d
                  metrics:
                    - type: Resource
                      resource:
                        name: cpu
                        target:
                          type: Utilization
                          averageUtilization: %d
                  behavior:
                    scaleDown:
                      stabilizationWindowSeconds: %d
                """.formatted(
                name, Fleet.API_VERSION, Fleet.KIND, fleet, maxReplicas, cpuTargetPercent, scaleDownWindowSeconds);
    }

    // ------------------------------------------------------------------ figures

    void describe(BenchReport r, Run f, Run b) {
        AutoscaleTimeline.Figures ff = f.figures();
        AutoscaleTimeline.Figures bf = b.figures();
        ClosedLoopClients.Outcome[] fo = {f.base(), f.surge()};
        ClosedLoopClients.Outcome[] bo = {b.base(), b.surge()};

        r.figure("replicas at rest, before the surge", "replicas", d(ff.restingReplicas()), d(bf.restingReplicas()));
        r.figure(
                "surge to the first scale-up (spec.replicas raised)",
                "s",
                ff.firstScaleUpSeconds(),
                bf.firstScaleUpSeconds());
        r.figure("surge to peak replicas (spec.replicas)", "s", ff.peakSeconds(), bf.peakSeconds());
        r.figure("surge to peak replicas ready", "s", ff.peakReadySeconds(), bf.peakReadySeconds());
        r.figure("peak replicas", "replicas", d(ff.peakReplicas()), d(bf.peakReplicas()));
        String target = String.format(Locale.ROOT, "%d per pod (target)", targetSessionsPerPod);
        r.figure(
                "most sessions on one pod during the surge (fleet status)",
                "sessions",
                d(ff.maxPerPodDuringSurge()),
                d(bf.maxPerPodDuringSurge()),
                target,
                null);
        r.figure(
                "most sessions on one pod during the surge (as the clients saw them)",
                "sessions",
                d(ff.clientMaxPerPodDuringSurge()),
                d(bf.clientMaxPerPodDuringSurge()),
                target,
                null);
        r.figure("surge left to the first scale-down", "s", ff.firstScaleDownSeconds(), bf.firstScaleDownSeconds());
        r.figure("surge left to back at resting replicas (ready)", "s", ff.backAtRestSeconds(), bf.backAtRestSeconds());
        long fFailed = sum(fo, ClosedLoopClients.Outcome::commandsFailed);
        r.figure(
                "commands failed",
                "commands",
                d(fFailed),
                d(sum(bo, ClosedLoopClients.Outcome::commandsFailed)),
                "0",
                fFailed == 0);
        long fLost = sum(fo, ClosedLoopClients.Outcome::sessionsLost);
        r.figure(
                "sessions lost (client had to reconnect)",
                "sessions",
                d(fLost),
                d(sum(bo, ClosedLoopClients.Outcome::sessionsLost)),
                "0",
                fLost == 0);
        long fWrong =
                sum(fo, ClosedLoopClients.Outcome::wrongAnswers) + sum(fo, ClosedLoopClients.Outcome::stateLosses);
        r.figure(
                "wrong answers or session state lost",
                "answers",
                d(fWrong),
                d(sum(bo, ClosedLoopClients.Outcome::wrongAnswers) + sum(bo, ClosedLoopClients.Outcome::stateLosses)),
                "0",
                fWrong == 0);
        r.figure("migrations (counted by the clients)", "migrations", d(migrations(fo)), d(migrations(bo)));
        r.figure(
                "commands completed (whole run)",
                "commands",
                d(sum(fo, ClosedLoopClients.Outcome::commandsOk)),
                d(sum(bo, ClosedLoopClients.Outcome::commandsOk)));

        String suffix = baselineFirst ? "-baseline-first" : "";
        String baselineName = "baseline (HPA on CPU)";
        List<List<Double>> fr = AutoscaleTimeline.series(f.samples(), CHART_FROM_SECONDS, s -> s.specReplicas());
        List<List<Double>> br = AutoscaleTimeline.series(b.samples(), CHART_FROM_SECONDS, s -> s.specReplicas());
        r.chart(new BenchReport.Chart(
                "autoscale-replicas-over-time" + suffix,
                "Replicas over time (spec.replicas; 0 = the surge begins)",
                "line",
                "seconds since the surge",
                "replicas",
                List.of(
                        new BenchReport.Series("Ferry (sessions per pod)", fr.get(0), fr.get(1)),
                        new BenchReport.Series(baselineName, br.get(0), br.get(1)))));
        List<List<Double>> fm = AutoscaleTimeline.series(f.samples(), CHART_FROM_SECONDS, s -> s.maxPerPod());
        List<List<Double>> bm = AutoscaleTimeline.series(b.samples(), CHART_FROM_SECONDS, s -> s.maxPerPod());
        double xFrom = Math.min(first(fm.get(0)), first(bm.get(0)));
        double xTo = Math.max(last(fm.get(0)), last(bm.get(0)));
        r.chart(new BenchReport.Chart(
                "autoscale-sessions-per-pod-over-time" + suffix,
                "Most sessions on one pod over time (fleet status; 0 = the surge begins)",
                "line",
                "seconds since the surge",
                "sessions",
                List.of(
                        new BenchReport.Series("Ferry: most on one pod", fm.get(0), fm.get(1)),
                        new BenchReport.Series(baselineName + ": most on one pod", bm.get(0), bm.get(1)),
                        new BenchReport.Series(
                                "target (" + targetSessionsPerPod + " per pod)",
                                List.of(xFrom, xTo),
                                List.of((double) targetSessionsPerPod, (double) targetSessionsPerPod)))));

        r.note(
                "runs in order: %s first, then %s, in one namespace of the node cluster (scripts/node.sh), one fleet at a time.",
                baselineFirst ? "baseline" : "Ferry", baselineFirst ? "Ferry" : "baseline");
        r.note(
                "load profile, the same in both runs: %d clients connect through the fleet's client Service (kube-proxy)"
                        + " and run; after %d s a surge of %d more connects the same way and stays %d s once connected;"
                        + " then the surge's clients end their sessions and leave; the run ends when the fleet is settled"
                        + " at its resting replicas again (at most %d s after the surge left, and at most %d s after it"
                        + " began), plus %d s. Closed-loop clients in one JVM inside the cluster's network namespace"
                        + " (virtual threads; think time %d ms; mix PING, ECHO, SET+GET of a session variable, INCR of a"
                        + " session counter, STREAM 20), every answer checked; a lost session reopens through the Service.",
                baseClients,
                settleSeconds,
                surgeClients,
                holdSeconds,
                restTimeoutSeconds,
                maxSeconds,
                TAIL_SECONDS,
                thinkTimeMillis);
        r.note(
                "the fleet: 1 pod at the start, the reference server image (memory %s, CPU request %s, no CPU limit),"
                        + " advertise Pod, idle migration timer %d s, migrationRatePerSecond %d, rebalance on at %d"
                        + " sessions/s%s, on deploy/'s Redis; a scale-down drains the pods it removes (fewest sessions"
                        + " first) in both runs. The operator from its image (2 replicas), control plane, two kubelets"
                        + " and containerd on the same machine.",
                serverMemory,
                serverCpu,
                IDLE_MIGRATION_SECONDS,
                migrationRate,
                rebalanceRate,
                baselineRebalance
                        ? " in both fleets (spec.autoscaling turns it on in Ferry's)"
                        : " in Ferry's fleet only");
        r.note(
                "Ferry: spec.autoscaling minReplicas 1, maxReplicas %d, targetSessionsPerPod %d, scaleDown"
                        + " stabilizationWindowSeconds %d, the rest default (scale-up window 0 s, at most 4 pods up and 1"
                        + " down per change, one change at a time once the fleet has settled); the operator reads the pods'"
                        + " session counts every 5 s while the fleet is settled.",
                maxReplicas, targetSessionsPerPod, scaleDownWindowSeconds);
        r.note(
                "baseline: the same fleet without spec.autoscaling and an autoscaling/v2 HorizontalPodAutoscaler on it"
                        + " (scaleTargetRef %s %s): Resource cpu, averageUtilization %d %% of the request, minReplicas 1,"
                        + " maxReplicas %d, behavior.scaleDown.stabilizationWindowSeconds %d, scale-up Kubernetes' default"
                        + " (no window; at most +100 %% or +4 pods per 15 s). Its reaction is governed by its own"
                        + " mechanics, not Ferry's: the HPA controller's sync period (15 s by default), metrics-server's"
                        + " resolution (15 s by default) and its CPU averaging, the HPA's 10 %% tolerance and start-up"
                        + " handling of new pods' CPU, and its own downscale stabilisation window.",
                Fleet.API_VERSION, Fleet.KIND, cpuTargetPercent, maxReplicas, scaleDownWindowSeconds);
        r.note("sampled every second: spec.replicas and readyReplicas, and sessions per pod from the fleet's status"
                + " (status.pods, refreshed by the operator every 5 s with spec.autoscaling, 15 s without, so the"
                + " baseline's status lags more), the clients' own count per pod, and the clients' counters; times"
                + " are those of the first sample that showed a change, so they are up to about 1 s late. The"
                + " samples are in the file's run.timelines.");
        r.note(
                "the surge left at +%.1f s (Ferry) and +%.1f s (baseline), when the surge's %d clients had connected"
                        + " and held %d s; the run ended at +%.1f s (Ferry%s) and +%.1f s (baseline%s).",
                f.leftAt(),
                b.leftAt(),
                surgeClients,
                holdSeconds,
                f.endedAt(),
                f.backAtRest() ? ", back at rest" : ", NOT back at rest: timed out",
                b.endedAt(),
                b.backAtRest() ? ", back at rest" : ", NOT back at rest: timed out");
        r.note(
                "HPA CPU utilisation (of the request) while the surge was on: highest %s; at the surge %s.",
                bf.maxHpaCpuPercentDuringSurge() == null ? "not reported" : bf.maxHpaCpuPercentDuringSurge() + " %",
                hpaAtSurge(b));
        r.note("Ferry's Autoscaled Events (since the surge): %s", joined(f.scaleEvents()));
        r.note("the HPA's SuccessfulRescale Events (since the surge): %s", joined(b.scaleEvents()));
        r.note("baseline HPA conditions at the end: %s", joined(b.hpaConditions()));
        r.note(
                "fleet conditions at the end: Ferry %s; baseline %s",
                String.join("; ", f.conditions()), String.join("; ", b.conditions()));
        r.note(
                "fleet status migrations completed/failed at the end: Ferry %d/%d, baseline %d/%d",
                f.statusMigrationsCompleted(),
                f.statusMigrationsFailed(),
                b.statusMigrationsCompleted(),
                b.statusMigrationsFailed());
        Map<String, Long> fErrors = errors(fo);
        Map<String, Long> bErrors = errors(bo);
        if (!fErrors.isEmpty() || !bErrors.isEmpty()) {
            r.note("client errors by kind: Ferry %s, baseline %s", fErrors, bErrors);
        }
        r.note(
                "the machine has %d cores shared with other work while this ran; load averages are in 'machine'.",
                Runtime.getRuntime().availableProcessors());
    }

    private static String hpaAtSurge(Run b) {
        Integer at = null;
        for (AutoscaleTimeline.Sample s : b.samples()) {
            if (s.seconds() > 0) break;
            at = s.hpaCpuPercent();
        }
        return at == null ? "not reported" : at + " %";
    }

    private static String joined(List<String> items) {
        return items.isEmpty() ? "none" : String.join("; ", items);
    }

    private static long sum(
            ClosedLoopClients.Outcome[] outcomes, java.util.function.ToLongFunction<ClosedLoopClients.Outcome> f) {
        long total = 0;
        for (ClosedLoopClients.Outcome o : outcomes) total += f.applyAsLong(o);
        return total;
    }

    private static long migrations(ClosedLoopClients.Outcome[] outcomes) {
        long total = 0;
        for (ClosedLoopClients.Outcome o : outcomes) {
            for (Map.Entry<Integer, Integer> e : o.migrationsPerUser().entrySet()) {
                total += (long) e.getKey() * e.getValue();
            }
        }
        return total;
    }

    private static Map<String, Long> errors(ClosedLoopClients.Outcome[] outcomes) {
        Map<String, Long> all = new java.util.TreeMap<>();
        for (ClosedLoopClients.Outcome o : outcomes) o.errors().forEach((k, v) -> all.merge(k, v, Long::sum));
        return all;
    }

    private static double first(List<Double> xs) {
        return xs.isEmpty() ? 0 : xs.get(0);
    }

    private static double last(List<Double> xs) {
        return xs.isEmpty() ? 0 : xs.get(xs.size() - 1);
    }

    private static Double d(long v) {
        return (double) v;
    }

    private void say(String format, Object... args) {
        out.printf(
                Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - t0) / 1e9, String.format(Locale.ROOT, format, args));
        out.flush();
    }

    /**
     * Samples the fleet, its HPA (if any) and the clients every second on a thread of its own, from its start;
     * {@link #markZero()} sets the surge's moment, from which {@link #samples()} counts its seconds.
     */
    private static final class Sampler implements AutoCloseable {
        private final NodeCluster cluster;
        private final Fleet fleet;
        private final String hpa;
        private final List<ClosedLoopClients> groups = new CopyOnWriteArrayList<>();
        private final List<AutoscaleTimeline.Sample> raw = new ArrayList<>();
        private final long startNanos = System.nanoTime();
        private volatile long zeroNanos = startNanos;
        private final Thread thread;

        Sampler(NodeCluster cluster, Fleet fleet, String hpa, ClosedLoopClients base) {
            this.cluster = cluster;
            this.fleet = fleet;
            this.hpa = hpa;
            groups.add(base);
            this.thread =
                    Thread.ofPlatform().daemon().name("bench-autoscale-sampler").start(this::loop);
        }

        void add(ClosedLoopClients clients) {
            groups.add(clients);
        }

        void markZero() {
            zeroNanos = System.nanoTime();
        }

        double secondsSinceZero() {
            return (System.nanoTime() - zeroNanos) / 1e9;
        }

        /** The samples, their seconds counted from {@link #markZero()}. */
        synchronized List<AutoscaleTimeline.Sample> samples() {
            double shift = (zeroNanos - startNanos) / 1e9;
            return raw.stream()
                    .map(s -> new AutoscaleTimeline.Sample(
                            s.seconds() - shift,
                            s.specReplicas(),
                            s.readyReplicas(),
                            s.sessions(),
                            s.maxPerPod(),
                            s.minPerPod(),
                            s.clientMaxPerPod(),
                            s.commandsOk(),
                            s.commandsFailed(),
                            s.hpaCpuPercent()))
                    .toList();
        }

        private void loop() {
            long next = System.nanoTime();
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    sample();
                } catch (RuntimeException e) {
                    log.warn("autoscale sample failed: {}", e.toString()); // the API server may be briefly away
                }
                next += 1_000_000_000L;
                long wait = next - System.nanoTime();
                try {
                    if (wait > 0) Thread.sleep(Duration.ofNanos(wait));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void sample() {
            long at = System.nanoTime();
            Fleet.State state = fleet.state();
            Integer cpu = hpa == null ? null : cpuPercent(hpa(cluster, fleet.namespace(), hpa));
            Map<String, Long> perPod = state.status().sessionsByPod();
            Map<String, Integer> clientPerPod = new java.util.TreeMap<>();
            long ok = 0;
            long failed = 0;
            for (ClosedLoopClients g : groups) {
                g.sessionsPerServer().forEach((k, v) -> clientPerPod.merge(k, v, Integer::sum));
                ok += g.commandsOk();
                failed += g.commandsFailed();
            }
            AutoscaleTimeline.Sample s = new AutoscaleTimeline.Sample(
                    (at - startNanos) / 1e9,
                    state.specReplicas(),
                    state.status().readyCount(),
                    state.status().sessionCount(),
                    perPod.values().stream().mapToLong(Long::longValue).max().orElse(0),
                    perPod.values().stream().mapToLong(Long::longValue).min().orElse(0),
                    clientPerPod.values().stream()
                            .mapToInt(Integer::intValue)
                            .max()
                            .orElse(0),
                    ok,
                    failed,
                    cpu);
            synchronized (this) {
                raw.add(s);
            }
        }

        @Override
        public void close() throws InterruptedException {
            thread.interrupt();
            thread.join(5000);
        }
    }
}
