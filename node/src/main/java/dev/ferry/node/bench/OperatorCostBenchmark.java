package dev.ferry.node.bench;

import dev.ferry.node.Fleet;
import dev.ferry.node.NodeCluster;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What the operator costs while fleets exist and change: the operator as it ships (its image, the Deployment of
 * deploy/ with two replicas and leader election in ferry-system) on the node cluster, with N single-pod
 * {@code ServerFleet}s in a namespace of the benchmark, next to the same figures with 1 fleet, in one run. Per
 * window (idle, then a burst that changes every fleet's spec at once): the API requests the operator made for the
 * benchmark's namespace by verb and resource ({@link OperatorRequestCounter}: the API server's own counts through
 * FlowSchemas), its Lease requests apart; reconciles and their latency in that namespace (the operator's JOSDK
 * metrics on {@code /q/metrics}); its CPU (the JVM's process CPU time from {@code /q/metrics}, and the container's
 * cgroup through the kubelet); its memory at the end of each phase (the cgroup's working set and RSS, the JVM's
 * heap figures).
 *
 * <p>The operator is shared: on a cluster where others run fleets it reconciles theirs too. Request and reconcile
 * figures count the benchmark's namespace only; CPU and memory are the whole process, so the result records the
 * other namespaces' reconciles and requests in the same windows.
 */
@Command(
        name = "operator-cost",
        mixinStandardHelpOptions = true,
        description =
                "The operator (its image, on the node cluster) with N ServerFleets vs 1: API requests, reconciles, CPU, memory.")
final class OperatorCostBenchmark implements Callable<Integer> {

    static final String SCENARIO = "operator-cost";
    private static final String RECONCILE = "operator_sdk_controllers_execution_reconcile_seconds";
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(5);

    @Option(
            names = "--fleets",
            defaultValue = "20",
            description = "fleets in the measured phase (default ${DEFAULT-VALUE}; the baseline has 1)")
    int fleets;

    @Option(
            names = "--quick",
            description =
                    "a small run: 4 fleets (unless --fleets), 15 s windows; writes node/target/bench/results-quick/")
    boolean quick;

    // The kubelet refreshes a container's cgroup figures every 10 to 15 s: a window needs a few refreshes.
    @Option(
            names = "--idle-seconds",
            defaultValue = "45",
            description = "idle measurement window (default ${DEFAULT-VALUE})")
    int idleSeconds;

    @Option(
            names = "--burst-tail-seconds",
            defaultValue = "5",
            description =
                    "the burst window lasts until every fleet observed its new spec, plus this (default ${DEFAULT-VALUE})")
    int burstTailSeconds;

    @Option(
            names = "--server-memory",
            defaultValue = "128Mi",
            description = "memory request and limit of each fleet's pod (default ${DEFAULT-VALUE})")
    String serverMemory;

    @Option(
            names = "--server-cpu",
            defaultValue = "10m",
            description = "CPU request of each fleet's pod (default ${DEFAULT-VALUE})")
    String serverCpu;

    @Option(
            names = "--results-dir",
            description =
                    "where to write the JSON (default bench/results, or node/target/bench/results-quick with --quick)")
    Path resultsDir;

    @Option(
            names = "--command",
            defaultValue = "scripts/bench-operator.sh operator-cost",
            description = "how this run was started, for the JSON")
    String command;

    private final PrintStream out = System.out;
    private final long t0 = System.nanoTime();
    private final List<String> leaderChanges = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (quick) {
            fleets = fleets == 20 ? 4 : fleets;
            idleSeconds = Math.min(idleSeconds, 15);
        }
        boolean smoke = quick || fleets < 20 || idleSeconds < 30;
        try (NodeCluster cluster = NodeCluster.connect()) {
            Provenance provenance = Provenance.capture(cluster.repo(), BenchMain.arguments(), smoke);
            BenchReport report = new BenchReport(
                    SCENARIO,
                    String.format(Locale.ROOT, "Operator cost with %d ServerFleets", fleets),
                    command,
                    "the same operator process with 1 ServerFleet",
                    provenance);
            say(
                    "operator-cost benchmark: %d fleets vs 1, idle windows %d s; %s",
                    fleets, idleSeconds, provenance.shortText());
            BenchSetup.ensureFerry(cluster, STEP_TIMEOUT);
            String namespace = cluster.createNamespace("bench-cost");
            CostPhase one;
            CostPhase many;
            List<String> schemas;
            try (OperatorRequestCounter requests = OperatorRequestCounter.install(cluster, namespace)) {
                schemas = requests.schemaNames();
                say(
                        "namespace %s; %d FlowSchemas count the operator's API requests; operator replicas %s, leader %s",
                        namespace,
                        schemas.size(),
                        OperatorReplica.list(cluster).stream()
                                .map(OperatorReplica::pod)
                                .toList(),
                        OperatorReplica.leader(cluster));
                List<String> names = new ArrayList<>();
                one = phase(cluster, namespace, requests, names, 1);
                many = phase(cluster, namespace, requests, names, fleets);
            } finally {
                cluster.deleteNamespace(namespace);
            }
            describe(report, one, many);
            List<OperatorReplica> replicas = OperatorReplica.list(cluster);
            report.fact("fleets", fleets)
                    .fact("idleSeconds", idleSeconds)
                    .fact("burstTailSeconds", burstTailSeconds)
                    .fact("serverMemory", serverMemory)
                    .fact("serverCpuRequest", serverCpu)
                    .fact("nodes", cluster.nodes())
                    .fact(
                            "operatorReplicas",
                            replicas.stream()
                                    .map(r -> Map.of("pod", r.pod(), "node", r.node(), "cgroup", r.cgroupPath()))
                                    .toList())
                    .fact("leaderChanges", leaderChanges)
                    .fact("flowSchemas", schemas.size())
                    .fact(
                            "requestCounting",
                            "API Priority and Fairness: apiserver_flowcontrol_dispatched_requests_total of FlowSchemas matching"
                                    + " the operator's ServiceAccount, one per verb and resource of its RBAC");
            out.println();
            out.print(report.summary());
            out.println("wrote " + report.write(BenchSetup.resultsDir(cluster, resultsDir, quick), SCENARIO + ".json"));
        }
        return 0;
    }

    private CostPhase phase(
            NodeCluster cluster, String namespace, OperatorRequestCounter requests, List<String> names, int total)
            throws InterruptedException {
        for (int i = names.size() + 1; i <= total; i++) {
            String name = String.format(Locale.ROOT, "fleet-%02d", i);
            Fleet.apply(
                    cluster,
                    namespace,
                    BenchFleets.manifest(name, 1, BenchFleets.SERVER_IMAGE, 60, 600, 1000, serverCpu, serverMemory));
            names.add(name);
        }
        for (String name : names) {
            new Fleet(cluster, namespace, name).awaitSettled(1, STEP_TIMEOUT);
        }
        say("== %d fleet(s) ready; idle for %d s", total, idleSeconds);
        Thread.sleep(Duration.ofSeconds(5)); // let the creation's follow-up reconciles pass: idle means idle

        OperatorSnapshot idleStart = OperatorSnapshot.take(cluster, requests);
        Thread.sleep(Duration.ofSeconds(idleSeconds)); // the idle measurement window
        OperatorSnapshot idleEnd = OperatorSnapshot.take(cluster, requests);
        CostWindow idle = CostWindow.between(idleStart, idleEnd, namespace);
        checkLeader("idle with " + total, idleStart, idleEnd);
        say(
                "idle: %.0f reconciles, %d API requests (+%d Lease, %d elsewhere), p50 %.1f ms p99 %.1f ms, CPU %.0f millicores",
                idle.reconciles(),
                idle.requests().requests(),
                idle.requests().leases(),
                idle.requests().elsewhere(),
                idle.reconcileP50Millis(),
                idle.reconcileP99Millis(),
                idle.leaderCpuMillicores());

        OperatorSnapshot burstStart = OperatorSnapshot.take(cluster, requests);
        long touched = System.nanoTime();
        Map<String, Long> generations = new LinkedHashMap<>();
        for (String name : names) {
            // An operator-only field: a new generation to reconcile, without a rollout of the pods.
            cluster.kubectl()
                    .run(
                            "patch",
                            "-n",
                            namespace,
                            "serverfleet/" + name,
                            "--type=merge",
                            "-p",
                            "{\"spec\":{\"rebalance\":{\"ratePerSecond\":" + (100 + total + names.indexOf(name))
                                    + "}}}");
            generations.put(name, new Fleet(cluster, namespace, name).generation());
        }
        NodeCluster.await(
                "every fleet observed its new spec",
                STEP_TIMEOUT,
                () -> generations.entrySet().stream().allMatch(e -> {
                    Long observed =
                            new Fleet(cluster, namespace, e.getKey()).status().observedGeneration();
                    return observed != null && observed >= e.getValue();
                }));
        double burstSeconds = (System.nanoTime() - touched) / 1e9;
        Thread.sleep(Duration.ofSeconds(burstTailSeconds)); // the burst's follow-up reconciles belong to it
        OperatorSnapshot burstEnd = OperatorSnapshot.take(cluster, requests);
        CostWindow burst = CostWindow.between(burstStart, burstEnd, namespace);
        checkLeader("burst with " + total, burstStart, burstEnd);
        say(
                "burst: all %d fleets observed in %.2f s; %.0f reconciles, %d API requests, p50 %.1f ms p99 %.1f ms",
                total,
                burstSeconds,
                burst.reconciles(),
                burst.requests().requests(),
                burst.reconcileP50Millis(),
                burst.reconcileP99Millis());

        OperatorMemory memory = OperatorMemory.of(burstEnd);
        say(
                "memory: leader working set %.0f MiB (RSS %.0f MiB), heap used %.1f MiB (live after last major GC %.1f MiB), %.0f threads;"
                        + " standby working set %s MiB",
                memory.workingSetMiB(),
                memory.residentMiB(),
                memory.heapUsedMiB(),
                memory.liveHeapMiB(),
                memory.threads(),
                memory.standbyWorkingSetMiB() == null
                        ? "-"
                        : String.format(Locale.ROOT, "%.0f", memory.standbyWorkingSetMiB()));
        return new CostPhase(total, idle, burst, burstSeconds, memory);
    }

    private void checkLeader(String window, OperatorSnapshot a, OperatorSnapshot b) {
        if (!a.leader().pod().equals(b.leader().pod())) {
            String change = window + ": leader " + a.leader().pod() + " -> "
                    + b.leader().pod();
            leaderChanges.add(change);
            say("WARNING %s (the window's figures mix two processes)", change);
        }
    }

    // ------------------------------------------------------------------ figures

    private void describe(BenchReport r, CostPhase one, CostPhase many) {
        CostWindow mi = many.idle();
        CostWindow oi = one.idle();
        CostWindow mb = many.burst();
        CostWindow ob = one.burst();
        r.figure(
                "API requests per reconcile, idle (leader election apart)",
                "requests",
                mi.requestsPerReconcile(),
                oi.requestsPerReconcile());
        r.figure(
                "API requests per reconcile, burst (leader election apart)",
                "requests",
                mb.requestsPerReconcile(),
                ob.requestsPerReconcile());
        r.figure("API requests per reconcile, idle, all", "requests", mi.allPerReconcile(), oi.allPerReconcile());
        r.figure("API requests per second, idle, all", "requests/s", mi.allPerSecond(), oi.allPerSecond());
        r.figure(
                "leader-election (Lease) requests per second, idle",
                "requests/s",
                mi.requests().leases() / mi.seconds(),
                oi.requests().leases() / oi.seconds());
        r.figure("reconciles in the idle window", "reconciles", mi.reconciles(), oi.reconciles());
        r.figure(
                "reconciles per second, idle",
                "reconciles/s",
                mi.reconciles() / mi.seconds(),
                oi.reconciles() / oi.seconds());
        r.figure("reconciles in the burst", "reconciles", mb.reconciles(), ob.reconciles());
        r.figure("reconcile latency p50, idle", "ms", mi.reconcileP50Millis(), oi.reconcileP50Millis());
        r.figure("reconcile latency p99, idle", "ms", mi.reconcileP99Millis(), oi.reconcileP99Millis());
        r.figure("reconcile latency p50, burst", "ms", mb.reconcileP50Millis(), ob.reconcileP50Millis());
        r.figure("reconcile latency p99, burst", "ms", mb.reconcileP99Millis(), ob.reconcileP99Millis());
        r.figure("reconcile latency mean, burst", "ms", mb.reconcileMeanMillis(), ob.reconcileMeanMillis());
        r.figure("spec change to observed by every fleet", "s", many.burstSeconds(), one.burstSeconds());
        r.figure(
                "API requests in the burst (leader election apart)",
                "requests",
                (double) mb.requests().requests(),
                (double) ob.requests().requests());
        r.figure(
                "operator CPU, idle (JVM process CPU time)",
                "millicores",
                mi.leaderCpuMillicores(),
                oi.leaderCpuMillicores());
        r.figure(
                "operator CPU, burst (JVM process CPU time)",
                "millicores",
                mb.leaderCpuMillicores(),
                ob.leaderCpuMillicores());
        r.figure(
                "operator CPU, idle (container cgroup, kubelet)",
                "millicores",
                mi.leaderCgroupMillicores(),
                oi.leaderCgroupMillicores());
        r.figure(
                "standby replica CPU, idle (JVM process CPU time)",
                "millicores",
                mi.standbyCpuMillicores(),
                oi.standbyCpuMillicores());
        r.figure(
                "operator resident memory (RSS)",
                "MiB",
                many.memory().residentMiB(),
                one.memory().residentMiB());
        r.figure(
                "operator container working set (cgroup)",
                "MiB",
                many.memory().workingSetMiB(),
                one.memory().workingSetMiB());
        r.figure(
                "operator heap used",
                "MiB",
                many.memory().heapUsedMiB(),
                one.memory().heapUsedMiB());
        r.figure(
                "operator live heap after the last major GC",
                "MiB",
                many.memory().liveHeapMiB(),
                one.memory().liveHeapMiB());
        r.figure(
                "operator heap committed",
                "MiB",
                many.memory().heapCommittedMiB(),
                one.memory().heapCommittedMiB());
        r.figure(
                "operator non-heap used",
                "MiB",
                many.memory().nonHeapUsedMiB(),
                one.memory().nonHeapUsedMiB());
        r.figure(
                "operator threads",
                "threads",
                many.memory().threads(),
                one.memory().threads());
        r.figure(
                "standby replica working set (cgroup)",
                "MiB",
                many.memory().standbyWorkingSetMiB(),
                one.memory().standbyWorkingSetMiB());
        r.figure(
                "operator API requests elsewhere per second, idle (other namespaces, cluster-wide)",
                "requests/s",
                mi.requests().elsewhere() / mi.seconds(),
                oi.requests().elsewhere() / oi.seconds());
        r.figure(
                "reconciles of other namespaces' fleets in the idle window (shared operator)",
                "reconciles",
                mi.reconcilesElsewhere(),
                oi.reconcilesElsewhere());

        r.note(
                "the operator as deploy/ installs it (kubectl apply -k deploy/: its image, 2 replicas with leader election in ferry-system,"
                        + " memory limit 512Mi) on the node cluster (scripts/node.sh: control plane, two kubelets, containerd); %d single-pod"
                        + " fleets of the reference server image (memory %s, CPU request %s) in a namespace of the benchmark; all on one machine.",
                many.fleets(), serverMemory, serverCpu);
        r.note(
                "API requests: counted by the kube-apiserver through API Priority and Fairness: one FlowSchema per verb and resource of the"
                        + " operator's RBAC, matching its ServiceAccount in the benchmark's namespace, its Lease in ferry-system apart, and one for"
                        + " everything else it asks (apiserver_flowcontrol_dispatched_requests_total by flow_schema; same priority level as before, so"
                        + " it is served as before). Watches are counted apart, not as requests. Reconciles and their latency: the operator's JOSDK"
                        + " metrics (%s, percentile histogram, quantiles interpolated in buckets) for the benchmark's namespace, from the leader.",
                RECONCILE);
        r.note(
                "CPU: the leader's JVM process CPU time (process_cpu_time_ns_total on /q/metrics; the JVM is the container's only process)"
                        + " over each window, and the container's cgroup CPU (cpuacct, read by the kubelet: Summary API, refreshed every 10-15 s, so"
                        + " over the kubelet's read times); memory: the container's cgroup working set and RSS, read the same way, at the end of each"
                        + " phase, and the JVM's heap figures from /q/metrics (no forced GC: the image has no jcmd).");
        r.note(
                "idle = %d s with nothing changing (after a 5 s pause); burst = every fleet's spec.rebalance.ratePerSecond changed at once,"
                        + " until every fleet's status.observedGeneration caught up, plus %d s.",
                idleSeconds, burstTailSeconds);
        r.note(
                "operator requests by verb and resource, idle with %d fleets: %s",
                many.fleets(), mi.requests().nonZero());
        r.note(
                "operator requests by verb and resource, burst with %d fleets: %s",
                many.fleets(), mb.requests().nonZero());
        r.note(
                "operator requests by verb and resource, idle with 1 fleet: %s",
                oi.requests().nonZero());
        r.note(
                "operator requests by verb and resource, burst with 1 fleet: %s",
                ob.requests().nonZero());
        r.note(
                "elsewhere (other namespaces, cluster-wide lists and watches, nodes), requests: idle %d / burst %d with %d fleets, idle %d /"
                        + " burst %d with 1; other namespaces' fleets reconciled in the idle window: %.0f with %d fleets, %.0f with 1",
                mi.requests().elsewhere(),
                mb.requests().elsewhere(),
                many.fleets(),
                oi.requests().elsewhere(),
                ob.requests().elsewhere(),
                mi.reconcilesElsewhere(),
                many.fleets(),
                oi.reconcilesElsewhere());
        if (!leaderChanges.isEmpty()) r.note("the leader changed during the run: %s", leaderChanges);
        r.note(
                "the machine has %d cores shared with other work while this ran; load averages are in 'machine'.",
                Runtime.getRuntime().availableProcessors());
    }

    private void say(String format, Object... args) {
        out.printf(
                Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - t0) / 1e9, String.format(Locale.ROOT, format, args));
        out.flush();
    }

    /** The operator at one moment: its replicas' metrics and cgroup figures, and the API server's request counts. */
    record OperatorSnapshot(
            OperatorReplica leader,
            PrometheusText leaderMetrics,
            OperatorReplica.CgroupStats leaderCgroup,
            OperatorReplica standby,
            PrometheusText standbyMetrics,
            OperatorReplica.CgroupStats standbyCgroup,
            OperatorRequestCounter.Counts requests,
            long nanos) {

        static OperatorSnapshot take(NodeCluster cluster, OperatorRequestCounter counter) {
            String leaderName = OperatorReplica.leader(cluster);
            List<OperatorReplica> replicas = OperatorReplica.list(cluster);
            OperatorReplica leader = replicas.stream()
                    .filter(r -> r.pod().equals(leaderName))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(
                            "no running operator pod holds the lease (holder " + leaderName + ")"));
            OperatorReplica standby = replicas.stream()
                    .filter(r -> !r.pod().equals(leaderName))
                    .findFirst()
                    .orElse(null);
            long nanos = System.nanoTime();
            OperatorRequestCounter.Counts requests = counter.snapshot();
            PrometheusText leaderMetrics = leader.metrics();
            return new OperatorSnapshot(
                    leader,
                    leaderMetrics,
                    leader.cgroupStats(cluster),
                    standby,
                    standby == null ? null : standby.metrics(),
                    standby == null ? null : standby.cgroupStats(cluster),
                    requests,
                    nanos);
        }
    }

    /** What one window measured, the benchmark's namespace apart from the rest. */
    record CostWindow(
            double seconds,
            double reconciles,
            double reconcileP50Millis,
            double reconcileP99Millis,
            double reconcileMeanMillis,
            double reconcilesElsewhere,
            OperatorRequestCounter.Counts requests,
            Double leaderCpuMillicores,
            Double leaderCgroupMillicores,
            Double standbyCpuMillicores) {

        static CostWindow between(OperatorSnapshot a, OperatorSnapshot b, String namespace) {
            Predicate<Map<String, String>> ours = l -> namespace.equals(l.get("resource_namespace"));
            Predicate<Map<String, String>> others = l -> !namespace.equals(l.get("resource_namespace"));
            PrometheusText before = a.leaderMetrics();
            PrometheusText after = b.leaderMetrics();
            double seconds = (b.nanos() - a.nanos()) / 1e9;
            double reconciles = after.sum(RECONCILE + "_count", ours) - before.sum(RECONCILE + "_count", ours);
            double sumSeconds = after.sum(RECONCILE + "_sum", ours) - before.sum(RECONCILE + "_sum", ours);
            double elsewhere = after.sum(RECONCILE + "_count", others) - before.sum(RECONCILE + "_count", others);
            TreeMap<Double, Double> bucketsBefore = before.buckets(RECONCILE, ours);
            TreeMap<Double, Double> bucketsAfter = after.buckets(RECONCILE, ours);
            return new CostWindow(
                    seconds,
                    reconciles,
                    PrometheusText.quantile(0.5, bucketsBefore, bucketsAfter) * 1000,
                    PrometheusText.quantile(0.99, bucketsBefore, bucketsAfter) * 1000,
                    reconciles > 0 ? sumSeconds / reconciles * 1000 : Double.NaN,
                    elsewhere,
                    b.requests().minus(a.requests()),
                    processCpuMillicores(before, after, seconds),
                    cgroupMillicores(a.leaderCgroup(), b.leaderCgroup()),
                    a.standby() != null
                                    && b.standby() != null
                                    && a.standby().pod().equals(b.standby().pod())
                            ? processCpuMillicores(a.standbyMetrics(), b.standbyMetrics(), seconds)
                            : null);
        }

        private static Double processCpuMillicores(PrometheusText before, PrometheusText after, double seconds) {
            double nanos = after.sum("process_cpu_time_ns_total") - before.sum("process_cpu_time_ns_total");
            return nanos >= 0 && seconds > 0 ? nanos / 1e6 / seconds : null; // ms of CPU per s = millicores
        }

        /** Over the kubelet's own read times; null when it did not read the cgroup again within the window. */
        private static Double cgroupMillicores(OperatorReplica.CgroupStats a, OperatorReplica.CgroupStats b) {
            double seconds = Duration.between(a.cpuAt(), b.cpuAt()).toMillis() / 1000.0;
            return seconds > 0 ? (b.cpuCoreSeconds() - a.cpuCoreSeconds()) * 1000 / seconds : null;
        }

        Double requestsPerReconcile() {
            return reconciles > 0 ? requests.requests() / reconciles : null;
        }

        Double allPerReconcile() {
            return reconciles > 0 ? (requests.requests() + requests.leases()) / reconciles : null;
        }

        double allPerSecond() {
            return (requests.requests() + requests.leases()) / seconds;
        }
    }

    /** The operator's memory at the end of a phase. */
    record OperatorMemory(
            double workingSetMiB,
            double residentMiB,
            double heapUsedMiB,
            double liveHeapMiB,
            double heapCommittedMiB,
            double nonHeapUsedMiB,
            double threads,
            Double standbyWorkingSetMiB) {

        static OperatorMemory of(OperatorSnapshot s) {
            PrometheusText m = s.leaderMetrics();
            double mib = 1048576.0;
            return new OperatorMemory(
                    s.leaderCgroup().workingSetBytes() / mib,
                    s.leaderCgroup().rssBytes() / mib,
                    m.sum("jvm_memory_used_bytes", l -> "heap".equals(l.get("area"))) / mib,
                    m.sum("jvm_gc_live_data_size_bytes") / mib,
                    m.sum("jvm_memory_committed_bytes", l -> "heap".equals(l.get("area"))) / mib,
                    m.sum("jvm_memory_used_bytes", l -> "nonheap".equals(l.get("area"))) / mib,
                    m.sum("jvm_threads_live_threads"),
                    s.standbyCgroup() == null ? null : s.standbyCgroup().workingSetBytes() / mib);
        }
    }

    /** Figures of one phase (1 fleet or N fleets). */
    record CostPhase(int fleets, CostWindow idle, CostWindow burst, double burstSeconds, OperatorMemory memory) {}
}
