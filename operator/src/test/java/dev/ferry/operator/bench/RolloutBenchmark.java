package dev.ferry.operator.bench;

import dev.ferry.operator.cluster.FleetOperator;
import dev.ferry.operator.cluster.OperatorRbac;
import dev.ferry.operator.model.ServerFleetStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.awaitility.Awaitility;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 6, item 3: a rolling upgrade of a 3-pod {@code ServerFleet}, driven by the operator on the
 * real control plane, under thousands of clients in a closed loop; then the same rollout of a fresh
 * fleet with both timers 0 (migration disabled) as the baseline. Writes
 * {@code bench/results/rollout.json} and prints the figures.
 *
 * <p>Run by {@code scripts/bench-operator.sh rollout}; the clients run in this JVM (virtual
 * threads), next to the in-process reconciler under the operator's ServiceAccount.
 */
@Command(name = "rollout", mixinStandardHelpOptions = true,
    description = "Rolling upgrade of a 3-pod fleet under N busy clients, with migration and with migration disabled.")
public final class RolloutBenchmark implements Callable<Integer> {

  static final String SCENARIO = "rollout";
  private static final int REPLICAS = 3;
  private static final int CLIENT_PORT = 7000;
  private static final Duration STEP_TIMEOUT = Duration.ofMinutes(4);
  private static final double[] PAUSE_BUCKETS_MS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000};

  @Option(names = "--clients", defaultValue = "3000", description = "client sessions (default ${DEFAULT-VALUE})")
  int clients;

  @Option(names = "--quick", description = "a small run: 300 clients (unless --clients), 5 s windows")
  boolean quick;

  @Option(names = "--think-time-ms", defaultValue = "200", description = "pause between a client's commands (default ${DEFAULT-VALUE})")
  int thinkTimeMillis;

  @Option(names = "--steady-seconds", defaultValue = "20", description = "steady-state window before the rollout (default ${DEFAULT-VALUE})")
  int steadySeconds;

  // 40 s: the servers run with full tiered JIT (as the image does), and C2 keeps two cores busy
  // for the first half minute of load; a 10 s warm-up put that compilation into the steady window.
  @Option(names = "--warm-up-seconds", defaultValue = "40", description = "load before the steady window, not measured (default ${DEFAULT-VALUE})")
  int warmUpSeconds;

  @Option(names = "--baseline-first", description = "run the migration-disabled fleet first (checks for an order bias)")
  boolean baselineFirst;

  @Option(names = "--migration-rate", defaultValue = "1000", description = "migrationRatePerSecond of the fleet (default ${DEFAULT-VALUE})")
  int migrationRate;

  @Option(names = "--server-heap", defaultValue = "512m", description = "-Xmx of each reference-server pod (default ${DEFAULT-VALUE})")
  String serverHeap;

  @Option(names = "--command", defaultValue = "scripts/bench-operator.sh rollout", description = "how this run was started, for the JSON")
  String command;

  private final PrintStream out = System.out;
  private final long t0 = System.nanoTime();

  public static void main(String[] args) {
    System.exit(new CommandLine(new RolloutBenchmark()).execute(args));
  }

  /** What one rollout measured. */
  record Run(String label, int users, ClosedLoopClients.Outcome outcome, RolloutTimeline timeline, double rolloutSeconds,
      Histogram steady, Histogram during, List<String> conditions, Map<String, Integer> sessionsAtEnd) {}

  @Override
  public Integer call() throws Exception {
    if (quick) {
      clients = clients == 3000 ? 300 : clients;
      steadySeconds = Math.min(steadySeconds, 5);
      warmUpSeconds = Math.min(warmUpSeconds, 3);
    }
    BenchEnvironment env = BenchEnvironment.prepare(SCENARIO);
    BenchReport report = new BenchReport(SCENARIO,
        String.format(Locale.ROOT, "Rolling upgrade of a 3-pod fleet under %,d busy clients", clients), command,
        "the same rollout with migration disabled (both timers 0)");
    say("rollout benchmark: %d clients, think time %d ms, steady window %d s (log: %s)", clients, thinkTimeMillis, steadySeconds,
        env.logFile(SCENARIO));
    try (BenchCluster cluster = BenchCluster.start("ferry-bench-rollout", REPLICAS, BenchCluster.serverJvmOptions(serverHeap), env.work())) {
      cluster.closeFirst(FleetOperator.start(OperatorRbac.grant(cluster.namespace()), cluster.namespace().name()));
      say("control plane, redis-server %s, 3 nodes and the operator (in-process, ServiceAccount %s) are up", cluster.redis().uri(),
          OperatorRbac.SERVICE_ACCOUNT);
      Run ferry;
      Run baseline;
      if (baselineFirst) {
        baseline = rollout(cluster, "baseline", 0, 0);
        cluster.deleteFleet("baseline", STEP_TIMEOUT);
        ferry = rollout(cluster, "ferry", 60, 600);
        cluster.deleteFleet("ferry", STEP_TIMEOUT);
      } else {
        ferry = rollout(cluster, "ferry", 60, 600);
        cluster.deleteFleet("ferry", STEP_TIMEOUT);
        baseline = rollout(cluster, "baseline", 0, 0);
        cluster.deleteFleet("baseline", STEP_TIMEOUT);
      }
      describe(report, ferry, baseline);
    }
    out.println();
    out.print(report.summary());
    out.println("wrote " + report.write(quick ? env.quickResultsDir() : env.resultsDir()));
    return 0;
  }

  private Run rollout(BenchCluster cluster, String fleet, int idleMigrationSeconds, int sessionIdleSeconds) throws Exception {
    say("== %s: fleet with idleMigrationTimerSeconds=%d, sessionIdleTimerSeconds=%d, %d migrations/s", fleet, idleMigrationSeconds,
        sessionIdleSeconds, migrationRate);
    cluster.newFleet(fleet, REPLICAS, idleMigrationSeconds, sessionIdleSeconds, migrationRate);
    ServerFleetStatus ready = cluster.awaitSettled(fleet, REPLICAS, s -> true, STEP_TIMEOUT);
    List<String> conditions = ready.getConditions().stream().map(RolloutBenchmark::condition).toList();
    List<String> addresses = cluster.readyAddresses(fleet, CLIENT_PORT);
    AtomicReference<List<String>> live = new AtomicReference<>(addresses);
    try (ClosedLoopClients users = new ClosedLoopClients(clients, Duration.ofMillis(thinkTimeMillis), live::get)) {
      users.start(addresses, Duration.ofMinutes(3));
      say("%d sessions open on %s", clients, addresses);
      RolloutTimeline timeline = new RolloutTimeline(users, Duration.ofMillis(500), () -> {
        try {
          live.set(cluster.readyAddresses(fleet, CLIENT_PORT));
        } catch (RuntimeException e) {
          // the API server is busy: keep the last known addresses
        }
      });
      Thread.sleep(Duration.ofSeconds(warmUpSeconds)); // load, not measured: JIT, connection pools
      timeline.phase("steady");
      Thread.sleep(Duration.ofSeconds(steadySeconds)); // the steady-state measurement window
      timeline.phase("rollout");
      timeline.markZero();
      long start = System.nanoTime();
      String before = ready.getUpdateRevision();
      say("rolling upgrade (template env %s 1 -> 2); steady state: %,d commands", BenchCluster.VERSION_ENV, users.commandsOk());
      cluster.upgrade(fleet, "2");
      ServerFleetStatus done = cluster.awaitSettled(fleet, REPLICAS,
          s -> s.getUpdateRevision() != null && !before.equals(s.getUpdateRevision())
              && s.getUpdateRevision().equals(s.getCurrentRevision())
              && s.getPods().stream().allMatch(p -> s.getUpdateRevision().equals(p.getRevision())),
          STEP_TIMEOUT);
      Set<String> newPods = new HashSet<>();
      done.getPods().forEach(p -> newPods.add(p.getName()));
      // Done when every client's session is on a pod of the new revision (moved, or opened anew).
      Awaitility.await("every session on a new pod").atMost(STEP_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
        Map<String, Integer> now = users.sessionsPerServer();
        return newPods.containsAll(now.keySet()) && now.values().stream().mapToInt(Integer::intValue).sum() == clients;
      });
      double seconds = (System.nanoTime() - start) / 1e9;
      timeline.phase("after");
      say("rollout done in %.1f s; sessions per pod %s; failed commands so far %d", seconds, users.sessionsPerServer(),
          users.commandsFailed());
      Thread.sleep(Duration.ofSeconds(2)); // a short tail for the charts
      timeline.close();
      Map<String, Integer> atEnd = users.sessionsPerServer();
      ClosedLoopClients.Outcome outcome = users.stop(Duration.ofMinutes(1));
      return new Run(fleet, clients, outcome, timeline, seconds, timeline.latency("steady"), timeline.latency("rollout"), conditions,
          atEnd);
    }
  }

  // ------------------------------------------------------------------ figures

  private void describe(BenchReport r, Run f, Run b) {
    ClosedLoopClients.Outcome fo = f.outcome();
    ClosedLoopClients.Outcome bo = b.outcome();
    r.figure("failed commands", "commands", d(fo.commandsFailed()), d(bo.commandsFailed()), "0", fo.commandsFailed() == 0);
    r.figure("sessions lost (client had to reconnect)", "sessions", d(fo.sessionsLost()), d(bo.sessionsLost()), "0",
        fo.sessionsLost() == 0);
    r.figure("clients whose session state was lost", "clients", d(fo.usersWithLostState()), d(bo.usersWithLostState()), "0",
        fo.usersWithLostState() == 0);
    int exactlyOnce = fo.migrationsPerUser().getOrDefault(1, 0);
    r.figure("clients migrated exactly once", "clients", d(exactlyOnce), d(bo.migrationsPerUser().getOrDefault(1, 0)),
        "all " + f.users(), exactlyOnce == f.users());
    r.figure("migrations per client (mean)", "migrations", mean(fo.migrationsPerUser()), mean(bo.migrationsPerUser()), "1",
        fo.migrationsPerUser().keySet().equals(Set.of(1)));
    r.figure("wrong answers (ECHO/STREAM)", "answers", d(fo.wrongAnswers()), d(bo.wrongAnswers()), "0", fo.wrongAnswers() == 0);
    r.figure("rollout duration", "s", f.rolloutSeconds(), b.rolloutSeconds());
    double fSteady99 = RolloutTimeline.millis(f.steady(), 99);
    double fDuring99 = RolloutTimeline.millis(f.during(), 99);
    double bSteady99 = RolloutTimeline.millis(b.steady(), 99);
    double bDuring99 = RolloutTimeline.millis(b.during(), 99);
    r.figure("command latency p50, steady state", "ms", RolloutTimeline.millis(f.steady(), 50), RolloutTimeline.millis(b.steady(), 50));
    r.figure("command latency p50, during the rollout", "ms", RolloutTimeline.millis(f.during(), 50),
        RolloutTimeline.millis(b.during(), 50));
    r.figure("command latency p99, steady state", "ms", fSteady99, bSteady99);
    r.figure("command latency p99, during the rollout", "ms", fDuring99, bDuring99);
    double ratio = fSteady99 > 0 ? fDuring99 / fSteady99 : Double.NaN;
    r.figure("p99 during rollout / steady state", "ratio", ratio, bSteady99 > 0 ? bDuring99 / bSteady99 : null, "<= 2", ratio <= 2);
    r.figure("longest command latency during the rollout", "ms", f.during().getMaxValue() / 1000.0, b.during().getMaxValue() / 1000.0);
    Histogram pause = fo.migrationPauseMicros();
    Histogram gap = bo.reconnectGapMicros();
    r.figure("client-visible pause p50 (migration; baseline: error to new session)", "ms", RolloutTimeline.millis(pause, 50),
        RolloutTimeline.millis(gap, 50));
    r.figure("client-visible pause p99", "ms", RolloutTimeline.millis(pause, 99), RolloutTimeline.millis(gap, 99));
    r.figure("longest client-visible pause", "ms", pause.getMaxValue() / 1000.0, gap.getMaxValue() / 1000.0);
    r.figure("sessions on the busiest pod at the end", "sessions", busiest(f.sessionsAtEnd()), busiest(b.sessionsAtEnd()));
    r.figure("commands completed (whole run)", "commands", d(fo.commandsOk()), d(bo.commandsOk()));
    r.figure("commands completed per second, during the rollout", "commands/s", perSecond(f.during(), f.rolloutSeconds()),
        perSecond(b.during(), b.rolloutSeconds()));

    r.chart(sessionsChart("rollout-sessions-per-pod", "Sessions per pod during the rollout (Ferry)", f));
    r.chart(sessionsChart("rollout-sessions-per-pod-baseline", "Sessions per pod during the rollout (migration disabled)", b));
    r.chart(new BenchReport.Chart("rollout-pause-histogram", "Client-visible pause", "histogram", "pause (ms)", "clients",
        List.of(pauseSeries("Ferry (MIGRATE to resumed)", pause), pauseSeries("baseline (error to a new session)", gap))));
    r.chart(new BenchReport.Chart("rollout-latency-over-time", "Command latency p99 over time (0 = rollout starts)", "line",
        "seconds", "p99 (ms)", List.of(latencySeries("Ferry", f), latencySeries("migration disabled", b))));

    r.note("%d clients in one JVM (virtual threads; think time %d ms between commands; mix PING, ECHO, SET+GET of a session variable,"
        + " INCR of a session counter, STREAM 20), on a 3-pod fleet of reference servers (the image's JVM options, -Xmx%s, full tiered JIT) on one redis-server;"
        + " kube-apiserver + etcd, scheduler, controller manager and the in-process reconciler on the same machine.",
        f.users(), thinkTimeMillis, serverHeap);
    r.note("steady state = %d s after %d s of warm-up; 'during' = from the template change until every pod runs the new revision and"
        + " every client's session is on one of them.", steadySeconds, warmUpSeconds);
    r.note("p99 per 0.5 s, steady state: Ferry %s, baseline %s; during the rollout: Ferry %s, baseline %s (the spread shows how much"
        + " of the ratio is the shared machine)", spread(f, "steady"), spread(b, "steady"), spread(f, "rollout"), spread(b, "rollout"));
    r.note("baseline fleet conditions: %s", String.join("; ", b.conditions()));
    r.note("migrations per client: Ferry %s, baseline %s (count of clients by migrations)", fo.migrationsPerUser(),
        bo.migrationsPerUser());
    r.note("sessions per pod at the end: Ferry %s, baseline %s", f.sessionsAtEnd(), b.sessionsAtEnd());
    if (!fo.errors().isEmpty() || !bo.errors().isEmpty()) {
      r.note("client errors by kind: Ferry %s, baseline %s", fo.errors(), bo.errors());
    }
    r.note("the machine has 2 cores shared with other builds while this ran; load averages are in 'machine'.");
    String commit = System.getProperty("ferry.bench.commit");
    if (commit != null && !commit.isBlank()) {
      r.note("built from commit %s", commit);
    }
  }

  private static BenchReport.Chart sessionsChart(String id, String title, Run run) {
    List<BenchReport.Series> series = new ArrayList<>();
    for (String pod : run.timeline().pods()) {
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (RolloutTimeline.Sample s : run.timeline().samples()) {
        if (s.phase().equals("warm-up")) {
          continue;
        }
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
      while (i < PAUSE_BUCKETS_MS.length - 1 && ms > PAUSE_BUCKETS_MS[i]) {
        i++;
      }
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

  private static String condition(Condition c) {
    return c.getType() + "=" + c.getStatus() + " (" + c.getReason() + ")";
  }

  private static Double mean(Map<Integer, Integer> byCount) {
    long users = byCount.values().stream().mapToLong(Integer::longValue).sum();
    long total = byCount.entrySet().stream().mapToLong(e -> (long) e.getKey() * e.getValue()).sum();
    return users == 0 ? null : (double) total / users;
  }

  /** Min, median and max of the per-sample p99 in {@code phase}. */
  private static String spread(Run run, String phase) {
    double[] p99 = run.timeline().samples().stream().filter(s -> s.phase().equals(phase) && s.commands() > 0)
        .mapToDouble(RolloutTimeline.Sample::p99Millis).sorted().toArray();
    if (p99.length == 0) {
      return "no samples";
    }
    return String.format(Locale.ROOT, "min %.0f / median %.0f / max %.0f ms", p99[0], p99[p99.length / 2], p99[p99.length - 1]);
  }

  private static Double busiest(Map<String, Integer> sessionsPerPod) {
    return sessionsPerPod.values().stream().mapToInt(Integer::intValue).max().stream().mapToDouble(i -> i).boxed().findFirst().orElse(null);
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
    out.printf(Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - t0) / 1e9, String.format(Locale.ROOT, format, args));
  }
}
