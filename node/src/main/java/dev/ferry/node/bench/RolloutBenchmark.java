package dev.ferry.node.bench;

import dev.ferry.node.Fleet;
import dev.ferry.node.FleetStatus;
import dev.ferry.node.NodeCluster;
import dev.ferry.node.ServerImages;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A rolling upgrade of a 3-pod {@code ServerFleet} on the node cluster (scripts/node.sh) by a real image change
 * (build 1 of the server image to build 2, {@link ServerImages#secondBuild}), driven by the operator from its
 * image, under thousands of clients in a closed loop that come in through the fleet's Service; then, in the same
 * run and with the same clients, pacing and fleet, the same rollout with both timers 0 (migration disabled) as
 * the baseline. Either fleet can go first ({@code --baseline-first}): the first one's steady state meets a colder
 * cluster, so the order is part of the result. Writes {@code bench/results/rollout.json} (Ferry first) or
 * {@code rollout-baseline-first.json}.
 */
@Command(
        name = "rollout",
        mixinStandardHelpOptions = true,
        description =
                "Rolling upgrade (new image) of a 3-pod fleet under N busy clients, with migration and with migration disabled.")
final class RolloutBenchmark implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(RolloutBenchmark.class);
    static final String SCENARIO = "rollout";
    private static final int REPLICAS = 3;
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(5);
    private static final double[] PAUSE_BUCKETS_MS = {
        1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000
    };
    /** The target bound on command latency p99 during the rollout, relative to steady state. */
    private static final double P99_RATIO_TARGET = 3;

    @Option(names = "--clients", defaultValue = "3000", description = "client sessions (default ${DEFAULT-VALUE})")
    int clients;

    @Option(
            names = "--quick",
            description =
                    "a small run: 300 clients (unless --clients), 5 s windows; writes node/target/bench/results-quick/")
    boolean quick;

    @Option(
            names = "--think-time-ms",
            defaultValue = "200",
            description = "pause between a client's commands (default ${DEFAULT-VALUE})")
    int thinkTimeMillis;

    @Option(
            names = "--steady-seconds",
            defaultValue = "20",
            description = "steady-state window before the rollout (default ${DEFAULT-VALUE})")
    int steadySeconds;

    // The servers run with full tiered JIT, and C2 keeps both cores busy for the first half minute of load; a short
    // warm-up puts that compilation into the steady window.
    @Option(
            names = "--warm-up-seconds",
            defaultValue = "40",
            description = "load before the steady window, not measured (default ${DEFAULT-VALUE})")
    int warmUpSeconds;

    @Option(
            names = "--baseline-first",
            description = "run the migration-disabled fleet first (checks for an order bias)")
    boolean baselineFirst;

    @Option(
            names = "--migration-rate",
            defaultValue = "1000",
            description = "migrationRatePerSecond of the fleet (default ${DEFAULT-VALUE})")
    int migrationRate;

    @Option(
            names = "--server-memory",
            defaultValue = "512Mi",
            description = "memory request and limit of each server pod (default ${DEFAULT-VALUE})")
    String serverMemory;

    @Option(
            names = "--server-cpu",
            defaultValue = "100m",
            description = "CPU request of each server pod, no limit (default ${DEFAULT-VALUE})")
    String serverCpu;

    @Option(
            names = "--results-dir",
            description =
                    "where to write the JSON (default bench/results, or node/target/bench/results-quick with --quick)")
    Path resultsDir;

    @Option(
            names = "--command",
            defaultValue = "scripts/bench-operator.sh rollout",
            description = "how this run was started, for the JSON")
    String command;

    private final PrintStream out = System.out;
    private final long t0 = System.nanoTime();

    /** What one rollout measured. */
    record Run(
            String label,
            int users,
            ClosedLoopClients.Outcome outcome,
            RolloutTimeline timeline,
            double rolloutSeconds,
            Histogram steady,
            Histogram during,
            List<String> conditions,
            Map<String, Integer> sessionsAtEnd,
            String revisionBefore,
            String revisionAfter) {}

    @Override
    public Integer call() throws Exception {
        if (quick) {
            clients = clients == 3000 ? 300 : clients;
            steadySeconds = Math.min(steadySeconds, 5);
            warmUpSeconds = Math.min(warmUpSeconds, 3);
        }
        boolean smoke = quick || clients < 3000 || steadySeconds < 20 || warmUpSeconds < 40;
        if (baselineFirst && !command.contains("--baseline-first")) {
            command += " --baseline-first"; // the report generator tells the orders apart by the command
        }
        String title = String.format(Locale.ROOT, "Rolling upgrade of a 3-pod fleet under %,d busy clients", clients);
        try (NodeCluster cluster = NodeCluster.connect()) {
            Provenance provenance = Provenance.capture(cluster.repo(), BenchMain.arguments(), smoke);
            BenchReport report = new BenchReport(
                    SCENARIO, title, command, "the same rollout with migration disabled (both timers 0)", provenance);
            say(
                    "rollout benchmark (%s first): %d clients, think time %d ms, warm-up %d s, steady window %d s; %s",
                    baselineFirst ? "baseline" : "Ferry",
                    clients,
                    thinkTimeMillis,
                    warmUpSeconds,
                    steadySeconds,
                    provenance.shortText());
            BenchSetup.ensureFerry(cluster, STEP_TIMEOUT);
            say("building version 2 of the server image (podman build) and importing it into the nodes");
            String image2 = ServerImages.secondBuild(cluster, BenchFleets.SERVER_IMAGE, "2");
            String namespace = cluster.createNamespace("bench-rollout");
            say(
                    "cluster nodes %s; namespace %s; rollout %s -> %s",
                    cluster.nodes(), namespace, BenchFleets.SERVER_IMAGE, image2);
            Run ferry;
            Run baseline;
            try {
                if (baselineFirst) {
                    baseline = rollout(cluster, namespace, "baseline", 0, 0, image2);
                    ferry = rollout(cluster, namespace, "ferry", 60, 600, image2);
                } else {
                    ferry = rollout(cluster, namespace, "ferry", 60, 600, image2);
                    baseline = rollout(cluster, namespace, "baseline", 0, 0, image2);
                }
            } finally {
                cluster.deleteNamespace(namespace);
            }
            describe(report, ferry, baseline);
            report.fact("order", baselineFirst ? List.of("baseline", "ferry") : List.of("ferry", "baseline"))
                    .fact("clients", clients)
                    .fact("thinkTimeMillis", thinkTimeMillis)
                    .fact("warmUpSeconds", warmUpSeconds)
                    .fact("steadySeconds", steadySeconds)
                    .fact("migrationRatePerSecond", migrationRate)
                    .fact("images", List.of(BenchFleets.SERVER_IMAGE, image2))
                    .fact("serverMemory", serverMemory)
                    .fact("serverCpuRequest", serverCpu)
                    .fact("nodes", cluster.nodes())
                    .fact(
                            "revisions",
                            Map.of(
                                    "ferry",
                                    List.of(ferry.revisionBefore(), ferry.revisionAfter()),
                                    "baseline",
                                    List.of(baseline.revisionBefore(), baseline.revisionAfter())));
            out.println();
            out.print(report.summary());
            String file = baselineFirst ? SCENARIO + "-baseline-first.json" : SCENARIO + ".json";
            out.println("wrote " + report.write(BenchSetup.resultsDir(cluster, resultsDir, quick), file));
        }
        return 0;
    }

    private Run rollout(
            NodeCluster cluster,
            String namespace,
            String label,
            int idleMigrationSeconds,
            int sessionIdleSeconds,
            String image2)
            throws Exception {
        say(
                "== %s: fleet with idleMigrationTimerSeconds=%d, sessionIdleTimerSeconds=%d, %d migrations/s",
                label, idleMigrationSeconds, sessionIdleSeconds, migrationRate);
        Fleet fleet = Fleet.apply(
                cluster,
                namespace,
                BenchFleets.manifest(
                        label,
                        REPLICAS,
                        BenchFleets.SERVER_IMAGE,
                        idleMigrationSeconds,
                        sessionIdleSeconds,
                        migrationRate,
                        serverCpu,
                        serverMemory));
        try {
            FleetStatus ready = fleet.awaitSettled(REPLICAS, STEP_TIMEOUT);
            // Settled is not yet routed: kube-proxy follows the pods' readiness a moment later, and clients that
            // connected meanwhile would all land on the first pod.
            fleet.awaitServiceRoutes(REPLICAS, STEP_TIMEOUT);
            List<String> conditions = ready.conditions().stream()
                    .map(c -> c.type() + "=" + c.status() + " (" + c.reason() + ")")
                    .toList();
            String address = fleet.serviceAddress();
            try (ClosedLoopClients users =
                    new ClosedLoopClients(clients, Duration.ofMillis(thinkTimeMillis), address)) {
                users.start(Duration.ofMinutes(3));
                say("%d sessions open through the Service %s: %s", clients, address, users.sessionsPerServer());
                RolloutTimeline timeline = new RolloutTimeline(users, Duration.ofMillis(500));
                Thread.sleep(Duration.ofSeconds(warmUpSeconds)); // load, not measured: JIT, connection pools
                timeline.phase("steady");
                Thread.sleep(Duration.ofSeconds(steadySeconds)); // the steady-state measurement window
                timeline.phase("rollout");
                timeline.markZero();
                long start = System.nanoTime();
                say("rolling upgrade (server image -> %s); steady state: %,d commands", image2, users.commandsOk());
                fleet.setImage(image2);
                FleetStatus done = fleet.awaitSettled(REPLICAS, STEP_TIMEOUT);
                Set<String> newPods = new HashSet<>(done.sessionsByPod().keySet());
                // Done when every client's session is on a pod of the new revision (moved, or opened anew).
                NodeCluster.await("every session on a new pod " + newPods, STEP_TIMEOUT, () -> {
                    Map<String, Integer> now = users.sessionsPerServer();
                    return newPods.containsAll(now.keySet())
                            && now.values().stream().mapToInt(Integer::intValue).sum() == clients;
                });
                double seconds = (System.nanoTime() - start) / 1e9;
                timeline.phase("after");
                say(
                        "rollout done in %.1f s; sessions per pod %s; failed commands so far %d",
                        seconds, users.sessionsPerServer(), users.commandsFailed());
                Thread.sleep(Duration.ofSeconds(2)); // a short tail for the charts
                timeline.close();
                Map<String, Integer> atEnd = users.sessionsPerServer();
                ClosedLoopClients.Outcome outcome = users.stop(Duration.ofMinutes(1));
                return new Run(
                        label,
                        clients,
                        outcome,
                        timeline,
                        seconds,
                        timeline.latency("steady"),
                        timeline.latency("rollout"),
                        conditions,
                        atEnd,
                        ready.updateRevision(),
                        done.updateRevision());
            }
        } finally {
            BenchFleets.remove(cluster, fleet);
        }
    }

    // ------------------------------------------------------------------ figures

    private void describe(BenchReport r, Run f, Run b) {
        ClosedLoopClients.Outcome fo = f.outcome();
        ClosedLoopClients.Outcome bo = b.outcome();
        r.figure(
                "failed commands",
                "commands",
                d(fo.commandsFailed()),
                d(bo.commandsFailed()),
                "0",
                fo.commandsFailed() == 0);
        r.figure(
                "sessions lost (client had to reconnect)",
                "sessions",
                d(fo.sessionsLost()),
                d(bo.sessionsLost()),
                "0",
                fo.sessionsLost() == 0);
        r.figure(
                "clients whose session state was lost",
                "clients",
                d(fo.usersWithLostState()),
                d(bo.usersWithLostState()),
                "0",
                fo.usersWithLostState() == 0);
        int exactlyOnce = fo.migrationsPerUser().getOrDefault(1, 0);
        r.figure(
                "clients migrated exactly once",
                "clients",
                d(exactlyOnce),
                d(bo.migrationsPerUser().getOrDefault(1, 0)),
                "all " + f.users(),
                exactlyOnce == f.users());
        r.figure(
                "migrations per client (mean)",
                "migrations",
                mean(fo.migrationsPerUser()),
                mean(bo.migrationsPerUser()),
                "1",
                fo.migrationsPerUser().keySet().equals(Set.of(1)));
        r.figure(
                "wrong answers (ECHO/STREAM)",
                "answers",
                d(fo.wrongAnswers()),
                d(bo.wrongAnswers()),
                "0",
                fo.wrongAnswers() == 0);
        r.figure("rollout duration", "s", f.rolloutSeconds(), b.rolloutSeconds());
        double fSteady99 = RolloutTimeline.millis(f.steady(), 99);
        double fDuring99 = RolloutTimeline.millis(f.during(), 99);
        double bSteady99 = RolloutTimeline.millis(b.steady(), 99);
        double bDuring99 = RolloutTimeline.millis(b.during(), 99);
        r.figure(
                "command latency p50, steady state",
                "ms",
                RolloutTimeline.millis(f.steady(), 50),
                RolloutTimeline.millis(b.steady(), 50));
        r.figure(
                "command latency p50, during the rollout",
                "ms",
                RolloutTimeline.millis(f.during(), 50),
                RolloutTimeline.millis(b.during(), 50));
        r.figure("command latency p99, steady state", "ms", fSteady99, bSteady99);
        r.figure("command latency p99, during the rollout", "ms", fDuring99, bDuring99);
        double ratio = fSteady99 > 0 ? fDuring99 / fSteady99 : Double.NaN;
        r.figure(
                "p99 during rollout / steady state",
                "ratio",
                ratio,
                bSteady99 > 0 ? bDuring99 / bSteady99 : null,
                String.format(Locale.ROOT, "<= %.0f", P99_RATIO_TARGET),
                ratio <= P99_RATIO_TARGET);
        r.figure(
                "longest command latency during the rollout",
                "ms",
                f.during().getMaxValue() / 1000.0,
                b.during().getMaxValue() / 1000.0);
        Histogram pause = fo.migrationPauseMicros();
        Histogram gap = bo.reconnectGapMicros();
        r.figure(
                "client-visible pause p50 (migration; baseline: error to new session)",
                "ms",
                RolloutTimeline.millis(pause, 50),
                RolloutTimeline.millis(gap, 50));
        r.figure("client-visible pause p99", "ms", RolloutTimeline.millis(pause, 99), RolloutTimeline.millis(gap, 99));
        r.figure("longest client-visible pause", "ms", pause.getMaxValue() / 1000.0, gap.getMaxValue() / 1000.0);
        r.figure(
                "sessions on the busiest pod at the end",
                "sessions",
                busiest(f.sessionsAtEnd()),
                busiest(b.sessionsAtEnd()));
        r.figure("commands completed (whole run)", "commands", d(fo.commandsOk()), d(bo.commandsOk()));
        r.figure(
                "commands completed per second, during the rollout",
                "commands/s",
                perSecond(f.during(), f.rolloutSeconds()),
                perSecond(b.during(), b.rolloutSeconds()));

        r.chart(sessionsChart("rollout-sessions-per-pod", "Sessions per pod during the rollout (Ferry)", f));
        r.chart(sessionsChart(
                "rollout-sessions-per-pod-baseline", "Sessions per pod during the rollout (migration disabled)", b));
        r.chart(new BenchReport.Chart(
                "rollout-pause-histogram",
                "Client-visible pause",
                "histogram",
                "pause (ms)",
                "clients",
                List.of(
                        pauseSeries("Ferry (MIGRATE to resumed)", pause),
                        pauseSeries("baseline (error to a new session)", gap))));
        r.chart(new BenchReport.Chart(
                "rollout-latency-over-time",
                "Command latency p99 over time (0 = rollout starts)",
                "line",
                "seconds",
                "p99 (ms)",
                List.of(latencySeries("Ferry", f), latencySeries("migration disabled", b))));

        r.note(
                "runs in order: %s first, then %s, in one namespace of the node cluster (scripts/node.sh), one fleet at a time.",
                baselineFirst ? "baseline" : "Ferry", baselineFirst ? "Ferry" : "baseline");
        r.note(
                "%d clients in one JVM inside the cluster's network namespace (virtual threads; think time %d ms between commands; mix PING,"
                        + " ECHO, SET+GET of a session variable, INCR of a session counter, STREAM 20), each session opened through the fleet's"
                        + " client Service (kube-proxy); a lost session reopens through the Service. The fleet: 3 pods of the reference server"
                        + " image (memory %s, CPU request %s, no CPU limit), advertise Pod, migrationRatePerSecond %d, on deploy/'s Redis;"
                        + " the operator from its image (2 replicas), control plane, two kubelets and containerd on the same machine.",
                f.users(), thinkTimeMillis, serverMemory, serverCpu, migrationRate);
        r.note(
                "rollout = a real image change of the fleet's template (%s -> its second build, which answers VERSION with 2), as"
                        + " kubectl patch does it; the operator replaces the pods one by one.",
                BenchFleets.SERVER_IMAGE);
        r.note(
                "steady state = %d s after %d s of warm-up; 'during' = from the template change until every pod runs the new revision and"
                        + " every client's session is on one of them.",
                steadySeconds, warmUpSeconds);
        r.note(
                "p99 per 0.5 s, steady state: Ferry %s, baseline %s; during the rollout: Ferry %s, baseline %s (the spread shows how much"
                        + " of the ratio is the shared machine)",
                spread(f, "steady"), spread(b, "steady"), spread(f, "rollout"), spread(b, "rollout"));
        r.note("baseline fleet conditions: %s", String.join("; ", b.conditions()));
        r.note(
                "migrations per client: Ferry %s, baseline %s (count of clients by migrations)",
                fo.migrationsPerUser(), bo.migrationsPerUser());
        r.note("sessions per pod at the end: Ferry %s, baseline %s", f.sessionsAtEnd(), b.sessionsAtEnd());
        if (!fo.errors().isEmpty() || !bo.errors().isEmpty()) {
            r.note("client errors by kind: Ferry %s, baseline %s", fo.errors(), bo.errors());
        }
        r.note(
                "the machine has %d cores shared with other work while this ran; load averages are in 'machine'.",
                Runtime.getRuntime().availableProcessors());
    }

    private static BenchReport.Chart sessionsChart(String id, String title, Run run) {
        List<BenchReport.Series> series = new ArrayList<>();
        for (String pod : run.timeline().pods()) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (RolloutTimeline.Sample s : run.timeline().samples()) {
                if (s.phase().equals("warm-up")) continue;
                x.add(round1(s.seconds()));
                y.add((double) s.sessionsPerPod().getOrDefault(pod, 0));
            }
            series.add(new BenchReport.Series("pod " + pod.substring(Math.max(0, pod.length() - 5)), x, y));
        }
        return new BenchReport.Chart(id, title, "line", "seconds", "sessions", series);
    }

    private static BenchReport.Series latencySeries(String name, Run run) {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (RolloutTimeline.Sample s : run.timeline().samples()) {
            if (!s.phase().equals("warm-up") && s.commands() > 0) {
                x.add(round1(s.seconds()));
                y.add(s.p99Millis());
            }
        }
        return new BenchReport.Series(name, x, y);
    }

    /** Counts per bucket: x = the bucket's upper bound (ms), y = values above the previous bound up to it. */
    private static BenchReport.Series pauseSeries(String name, Histogram micros) {
        long[] counts = new long[PAUSE_BUCKETS_MS.length];
        for (HistogramIterationValue v : micros.recordedValues()) {
            double ms = micros.highestEquivalentValue(v.getValueIteratedTo()) / 1000.0;
            int i = 0;
            while (i < PAUSE_BUCKETS_MS.length - 1 && ms > PAUSE_BUCKETS_MS[i]) i++;
            counts[i] += v.getCountAtValueIteratedTo();
        }
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            x.add(PAUSE_BUCKETS_MS[i]);
            y.add((double) counts[i]);
        }
        return new BenchReport.Series(name, x, y);
    }

    private static Double mean(Map<Integer, Integer> byCount) {
        long users = byCount.values().stream().mapToLong(Integer::longValue).sum();
        long total = byCount.entrySet().stream()
                .mapToLong(e -> (long) e.getKey() * e.getValue())
                .sum();
        return users == 0 ? null : (double) total / users;
    }

    /** Min, median and max of the per-sample p99 in {@code phase}. */
    private static String spread(Run run, String phase) {
        double[] p99 = run.timeline().samples().stream()
                .filter(s -> s.phase().equals(phase) && s.commands() > 0)
                .mapToDouble(RolloutTimeline.Sample::p99Millis)
                .sorted()
                .toArray();
        if (p99.length == 0) return "no samples";
        return String.format(
                Locale.ROOT, "min %.0f / median %.0f / max %.0f ms", p99[0], p99[p99.length / 2], p99[p99.length - 1]);
    }

    private static Double busiest(Map<String, Integer> sessionsPerPod) {
        return sessionsPerPod.values().stream().mapToInt(Integer::intValue).max().stream()
                .mapToDouble(i -> i)
                .boxed()
                .findFirst()
                .orElse(null);
    }

    private static Double perSecond(Histogram h, double seconds) {
        return seconds > 0 ? h.getTotalCount() / seconds : null;
    }

    private static double round1(double v) {
        return Math.round(v * 10.0) / 10.0;
    }

    private static Double d(long v) {
        return (double) v;
    }

    private void say(String format, Object... args) {
        out.printf(
                Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - t0) / 1e9, String.format(Locale.ROOT, format, args));
        out.flush();
    }
}
