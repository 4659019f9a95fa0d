package dev.ferry.operator.bench;

import dev.ferry.controlplane.ControlPlane;
import dev.ferry.operator.cluster.OperatorRbac;
import dev.ferry.operator.model.ServerFleet;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 6, item 5: what the operator costs while 20 {@code ServerFleet}s exist, next to the same
 * figures with 1 fleet, in one run: API requests per reconcile and reconcile latency, in idle
 * steady state and in a burst (every fleet's spec touched at once), and the operator's memory.
 *
 * <p>The operator is the packaged Quarkus app ({@code quarkus-run.jar}) in its own JVM under its
 * ServiceAccount token, so its memory is the real operator's. Requests are counted by the API
 * server itself (its {@code -v=3} request log, by the operator's user agent); reconciles and their
 * latency come from the operator's own JOSDK metrics ({@code /q/metrics}, a percentile histogram).
 */
@Command(name = "operator-cost", mixinStandardHelpOptions = true,
    description = "The packaged operator with 20 ServerFleets vs 1: API requests per reconcile, reconcile latency, memory.")
public final class OperatorCostBenchmark implements Callable<Integer> {

  static final String SCENARIO = "operator-cost";
  static final String OPERATOR_AGENT = "ferry-operator/bench";
  private static final String RECONCILE = "operator_sdk_controllers_execution_reconcile_seconds";
  private static final Duration STEP_TIMEOUT = Duration.ofMinutes(5);

  @Option(names = "--fleets", defaultValue = "20", description = "fleets in the measured phase (default ${DEFAULT-VALUE}; the baseline has 1)")
  int fleets;

  @Option(names = "--quick", description = "a small run: 4 fleets (unless --fleets), 10 s windows")
  boolean quick;

  @Option(names = "--idle-seconds", defaultValue = "30", description = "idle measurement window (default ${DEFAULT-VALUE})")
  int idleSeconds;

  @Option(names = "--burst-tail-seconds", defaultValue = "5",
      description = "the burst window lasts until every fleet observed its new spec, plus this (default ${DEFAULT-VALUE})")
  int burstTailSeconds;

  @Option(names = "--operator-heap", defaultValue = "384m",
      description = "-Xmx of the operator: the image's MaxRAMPercentage=75 of the Deployment's 512Mi limit (default ${DEFAULT-VALUE})")
  String operatorHeap;

  @Option(names = "--server-heap", defaultValue = "64m", description = "-Xmx of each reference-server pod (default ${DEFAULT-VALUE})")
  String serverHeap;

  @Option(names = "--command", defaultValue = "scripts/bench-operator.sh operator-cost", description = "how this run was started, for the JSON")
  String command;

  private final PrintStream out = System.out;
  private final long t0 = System.nanoTime();

  public static void main(String[] args) {
    System.exit(new CommandLine(new OperatorCostBenchmark()).execute(args));
  }

  /** What one window measured. */
  record Window(double seconds, double reconciles, double reconcileP50Millis, double reconcileP99Millis, double reconcileMeanMillis,
      ApiRequestLog.Counts requests) {
    double requestsPerReconcile() {
      return reconciles > 0 ? requests.requests() / reconciles : Double.NaN;
    }

    /** Leader election renews its Lease on a timer, whatever the reconciles: counted apart. */
    double leaseRequests() {
      return requests.requestsOn("leases");
    }

    double reconcilerRequestsPerReconcile() {
      return reconciles > 0 ? (requests.requests() - leaseRequests()) / reconciles : Double.NaN;
    }
  }

  /** Memory of the operator after a full GC. */
  record Memory(double residentMiB, double heapUsedMiB, double heapCommittedMiB, double nonHeapUsedMiB, double threads) {}

  /** Figures of one phase (1 fleet or N fleets). */
  record Phase(int fleets, Window idle, Window burst, double burstSeconds, Memory memory) {}

  @Override
  public Integer call() throws Exception {
    if (quick) {
      fleets = fleets == 20 ? 4 : fleets;
      idleSeconds = Math.min(idleSeconds, 10);
    }
    // The API server's request log (one line per request, with its user agent) is what counts requests.
    BenchEnvironment.defaultProperty("ferry.controlplane.apiServerVerbosity", "3");
    BenchEnvironment env = BenchEnvironment.prepare(SCENARIO);
    BenchReport report = new BenchReport(SCENARIO, String.format(Locale.ROOT, "Operator cost with %d ServerFleets", fleets), command,
        "the same operator process with 1 ServerFleet");
    say("operator-cost benchmark: %d fleets vs 1, idle windows %d s (log: %s)", fleets, idleSeconds, env.logFile(SCENARIO));
    Path operatorLog = env.work().resolve("operator.log");
    try (BenchCluster cluster = BenchCluster.start("ferry-bench-cost", 2, BenchCluster.serverJvmOptions(serverHeap), env.work())) {
      ControlPlane cp = cluster.controlPlane();
      String ns = cluster.namespace().name();
      OperatorRbac.grant(cluster.namespace());
      String token = cp.serviceAccountToken(ns, OperatorRbac.SERVICE_ACCOUNT, Duration.ofHours(2));
      Map<String, String> props = new LinkedHashMap<>(ControlPlane.quarkusClientProperties(cp.tokenConfig(ns, token)));
      props.put("quarkus.operator-sdk.controllers.serverfleet.namespaces", ns);
      props.put("kubernetes.user.agent", OPERATOR_AGENT);
      // As the Deployment sets them (downward API): the lease of leader election lives next to the operator.
      Map<String, String> environment = Map.of("POD_NAMESPACE", ns, "POD_NAME", "ferry-operator-bench");
      Path jar = PackagedOperator.copyApp(env.repo().resolve("operator/target/quarkus-app"), env.work().resolve("quarkus-app"));
      ApiRequestLog requests = new ApiRequestLog(cp.apiServerLog());
      long logStart = requests.offset();
      PackagedOperator operator = cluster.closeFirst(PackagedOperator.start(jar, operatorHeap, props, environment, operatorLog));
      say("control plane (kube-apiserver at -v=3), redis-server, 2 nodes; packaged operator pid %d (%s, -Xmx%s) under ServiceAccount %s",
          operator.pid(), jar, operatorHeap, OperatorRbac.SERVICE_ACCOUNT);

      Phase one = phase(cluster, operator, requests, 1);
      Phase many = phase(cluster, operator, requests, fleets);
      Map<String, Long> agents = requests.agents(logStart);
      describe(report, one, many, agents);
    }
    out.println();
    out.print(report.summary());
    out.println("wrote " + report.write(quick ? env.quickResultsDir() : env.resultsDir()));
    return 0;
  }

  private Phase phase(BenchCluster cluster, PackagedOperator operator, ApiRequestLog requests, int total) throws Exception {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= total; i++) {
      names.add(String.format(Locale.ROOT, "fleet-%02d", i));
    }
    for (String name : names) {
      if (cluster.fleet(name) == null) {
        cluster.newFleet(name, 1, 60, 600, 1000);
      }
    }
    Awaitility.await(total + " fleets ready").atMost(STEP_TIMEOUT).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
        .until(() -> names.stream().allMatch(n -> cluster.settled(n, 1, s -> true)));
    say("== %d fleet(s) ready; idle for %d s", total, idleSeconds);
    Thread.sleep(Duration.ofSeconds(5)); // let the creation's follow-up reconciles pass: idle means idle

    Snapshot idleStart = snapshot(operator, requests);
    Thread.sleep(Duration.ofSeconds(idleSeconds)); // the idle measurement window
    Snapshot idleEnd = snapshot(operator, requests);
    Window idle = window(idleStart, idleEnd, requests);
    say("idle: %.0f reconciles, %d API requests (+%d watches), p50 %.1f ms p99 %.1f ms", idle.reconciles(), idle.requests().requests(),
        idle.requests().watches(), idle.reconcileP50Millis(), idle.reconcileP99Millis());

    Snapshot burstStart = snapshot(operator, requests);
    long touched = System.nanoTime();
    for (String name : names) {
      // An operator-only field: a new generation to reconcile, without a rollout of the pods.
      cluster.admin().resources(ServerFleet.class).withName(name).edit(f -> {
        f.getSpec().getRebalance().setRatePerSecond(f.getSpec().getRebalance().getRatePerSecond() + 1);
        return f;
      });
    }
    Awaitility.await("every fleet observed its new spec").atMost(STEP_TIMEOUT).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
        .until(() -> names.stream().map(cluster::fleet).allMatch(f -> f.getStatus() != null
            && f.getMetadata().getGeneration().equals(f.getStatus().getObservedGeneration())));
    double burstSeconds = (System.nanoTime() - touched) / 1e9;
    Thread.sleep(Duration.ofSeconds(burstTailSeconds)); // the burst's follow-up reconciles belong to it
    Snapshot burstEnd = snapshot(operator, requests);
    Window burst = window(burstStart, burstEnd, requests);
    say("burst: all %d fleets observed in %.2f s; %.0f reconciles, %d API requests, p50 %.1f ms p99 %.1f ms", total, burstSeconds,
        burst.reconciles(), burst.requests().requests(), burst.reconcileP50Millis(), burst.reconcileP99Millis());

    operator.collectGarbage();
    PrometheusText m = operator.metrics();
    Memory memory = new Memory(operator.residentBytes() / 1048576.0,
        m.sum("jvm_memory_used_bytes", l -> "heap".equals(l.get("area"))) / 1048576.0,
        m.sum("jvm_memory_committed_bytes", l -> "heap".equals(l.get("area"))) / 1048576.0,
        m.sum("jvm_memory_used_bytes", l -> "nonheap".equals(l.get("area"))) / 1048576.0,
        m.sum("jvm_threads_live_threads"));
    say("memory after a full GC: RSS %.0f MiB, heap used %.1f MiB (committed %.0f MiB), non-heap %.0f MiB, %.0f threads",
        memory.residentMiB(), memory.heapUsedMiB(), memory.heapCommittedMiB(), memory.nonHeapUsedMiB(), memory.threads());
    return new Phase(total, idle, burst, burstSeconds, memory);
  }

  /** The operator's metrics, the request log's position and the local time, at one moment. */
  private record Snapshot(PrometheusText metrics, long logOffset, LocalTime at, long nanos) {}

  private static Snapshot snapshot(PackagedOperator operator, ApiRequestLog requests) {
    return new Snapshot(operator.metrics(), requests.offset(), LocalTime.now(), System.nanoTime());
  }

  private Window window(Snapshot a, Snapshot b, ApiRequestLog requests) {
    if (b.metrics().sum(RECONCILE + "_count") == 0 && a.metrics().namesContaining("reconcile").isEmpty()) {
      throw new IllegalStateException("no " + RECONCILE + " in the operator's /q/metrics; reconcile metrics there: "
          + b.metrics().namesContaining("reconcil"));
    }
    Predicate<Map<String, String>> all = l -> true;
    double reconciles = b.metrics().sum(RECONCILE + "_count") - a.metrics().sum(RECONCILE + "_count");
    double sumSeconds = b.metrics().sum(RECONCILE + "_sum") - a.metrics().sum(RECONCILE + "_sum");
    TreeMap<Double, Double> before = a.metrics().buckets(RECONCILE, all);
    TreeMap<Double, Double> after = b.metrics().buckets(RECONCILE, all);
    // Every request that ended by the window's end is in the log once a later line is.
    Awaitility.await("the API server's log past " + b.at()).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> requests.writtenPast(b.logOffset(), b.at()));
    ApiRequestLog.Counts counts = requests.count(Math.max(0, a.logOffset() - 4_000_000), a.at(), b.at(), OPERATOR_AGENT::equals);
    return new Window((b.nanos() - a.nanos()) / 1e9, reconciles, PrometheusText.quantile(0.5, before, after) * 1000,
        PrometheusText.quantile(0.99, before, after) * 1000, reconciles > 0 ? sumSeconds / reconciles * 1000 : Double.NaN, counts);
  }

  // ------------------------------------------------------------------ figures

  private void describe(BenchReport r, Phase one, Phase many, Map<String, Long> agents) {
    r.figure("API requests per reconcile, idle (leader election apart)", "requests", many.idle().reconcilerRequestsPerReconcile(),
        one.idle().reconcilerRequestsPerReconcile());
    r.figure("API requests per reconcile, burst (leader election apart)", "requests", many.burst().reconcilerRequestsPerReconcile(),
        one.burst().reconcilerRequestsPerReconcile());
    r.figure("API requests per reconcile, idle, all", "requests", many.idle().requestsPerReconcile(), one.idle().requestsPerReconcile());
    r.figure("API requests per second, idle, all", "requests/s", many.idle().requests().requests() / many.idle().seconds(),
        one.idle().requests().requests() / one.idle().seconds());
    r.figure("leader-election (Lease) requests per second, idle", "requests/s", many.idle().leaseRequests() / many.idle().seconds(),
        one.idle().leaseRequests() / one.idle().seconds());
    r.figure("reconciles in the idle window", "reconciles", many.idle().reconciles(), one.idle().reconciles());
    r.figure("reconciles per second, idle", "reconciles/s", many.idle().reconciles() / many.idle().seconds(),
        one.idle().reconciles() / one.idle().seconds());
    r.figure("reconciles in the burst", "reconciles", many.burst().reconciles(), one.burst().reconciles());
    r.figure("reconcile latency p50, idle", "ms", many.idle().reconcileP50Millis(), one.idle().reconcileP50Millis());
    r.figure("reconcile latency p99, idle", "ms", many.idle().reconcileP99Millis(), one.idle().reconcileP99Millis());
    r.figure("reconcile latency p50, burst", "ms", many.burst().reconcileP50Millis(), one.burst().reconcileP50Millis());
    r.figure("reconcile latency p99, burst", "ms", many.burst().reconcileP99Millis(), one.burst().reconcileP99Millis());
    r.figure("reconcile latency mean, burst", "ms", many.burst().reconcileMeanMillis(), one.burst().reconcileMeanMillis());
    r.figure("spec change to observed by every fleet", "s", many.burstSeconds(), one.burstSeconds());
    r.figure("operator resident memory (RSS)", "MiB", many.memory().residentMiB(), one.memory().residentMiB());
    r.figure("operator heap used after a full GC", "MiB", many.memory().heapUsedMiB(), one.memory().heapUsedMiB());
    r.figure("operator heap committed", "MiB", many.memory().heapCommittedMiB(), one.memory().heapCommittedMiB());
    r.figure("operator non-heap used", "MiB", many.memory().nonHeapUsedMiB(), one.memory().nonHeapUsedMiB());
    r.figure("operator threads", "threads", many.memory().threads(), one.memory().threads());

    r.note("the packaged operator (operator/target/quarkus-app/quarkus-run.jar) in its own JVM (-Xmx%s, the image's JVM options), under"
        + " its ServiceAccount's token with deploy/rbac.yaml's rights, watching one namespace; %d single-pod fleets of reference servers"
        + " (-Xmx%s) on the local pod runtime; control plane and Redis on the same machine.", operatorHeap, many.fleets(), serverHeap);
    r.note("API requests: counted by the kube-apiserver (its -v=3 request log) for the operator's user agent, watches excluded"
        + " (counted apart); reconciles and reconcile latency: the operator's JOSDK metrics (%s, percentile histogram,"
        + " quantiles interpolated in buckets) over the same windows.", RECONCILE);
    r.note("idle = %d s with nothing changing (after a 5 s pause); burst = every fleet's spec.rebalance.ratePerSecond changed at once,"
        + " until every fleet's status.observedGeneration caught up, plus %d s.", idleSeconds, burstTailSeconds);
    r.note("operator requests by verb and resource, idle with %d fleets: %s", many.fleets(), many.idle().requests().byVerbAndResource());
    r.note("operator requests by verb and resource, burst with %d fleets: %s", many.fleets(), many.burst().requests().byVerbAndResource());
    r.note("operator requests by verb and resource, idle with 1 fleet: %s", one.idle().requests().byVerbAndResource());
    r.note("watches that ended in the windows (not counted as requests): idle %d / burst %d with %d fleets", many.idle().requests().watches(),
        many.burst().requests().watches(), many.fleets());
    r.note("requests by user agent over the whole run: %s", agents);
    r.note("memory figures are taken after a full GC (jcmd GC.run) at the end of each phase; RSS from /proc.");
    r.note("the machine has 2 cores shared with other builds while this ran; load averages are in 'machine'.");
    String commit = System.getProperty("ferry.bench.commit");
    if (commit != null && !commit.isBlank()) {
      r.note("built from commit %s", commit);
    }
  }

  private void say(String format, Object... args) {
    out.printf(Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - t0) / 1e9, String.format(Locale.ROOT, format, args));
  }
}
