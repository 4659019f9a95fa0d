package dev.ferry.operator.demo;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.tools.LoadRun;
import dev.ferry.controlplane.ControlPlane;
import dev.ferry.controlplane.TestNamespace;
import dev.ferry.controlplane.runtime.LocalPodRuntime;
import dev.ferry.controlplane.runtime.ReferenceServerLauncher;
import dev.ferry.operator.cluster.FleetOperator;
import dev.ferry.operator.cluster.Fleets;
import dev.ferry.operator.cluster.OperatorRbac;
import dev.ferry.operator.cluster.ServerFleetCrd;
import dev.ferry.operator.model.Advertise;
import dev.ferry.operator.model.FleetPodPhase;
import dev.ferry.operator.model.FleetPodStatus;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetStatus;
import dev.ferry.testkit.RedisServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The local operator demo: a real control plane (kube-apiserver + etcd, kube-scheduler,
 * kube-controller-manager, RBAC on), the local pod runtime with three nodes (each pod a real
 * reference server process on 127.0.0.x), a real redis-server as context store, the operator's
 * reconciler under its least-privilege ServiceAccount, and a {@code ServerFleet} of three pods.
 * A few hundred clients run commands and streams while the fleet goes through a rolling upgrade and
 * a scale-down (3→2 through the scale subresource); live progress every second, the operator's
 * Events as they happen, a summary at the end. Exit code 0 only if no command failed and no
 * invariant broke.
 *
 * <p>Run by {@code scripts/demo.sh}, which sets up redis, the control-plane binaries and the build.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Ferry operator demo: control plane, Redis, the operator, a 3-pod fleet, clients, a rolling upgrade and a scale-down.")
public final class OperatorDemo implements Callable<Integer> {

  private static final String FLEET = "demo";
  private static final Duration STEP_TIMEOUT = Duration.ofMinutes(3);

  @Option(names = "--clients", defaultValue = "300", description = "client sessions, spread over the pods (default ${DEFAULT-VALUE})")
  int clients;

  @Option(names = "--warm-up-seconds", defaultValue = "8", description = "load before the rolling upgrade (default ${DEFAULT-VALUE})")
  int warmUpSeconds;

  @Option(names = "--cool-down-seconds", defaultValue = "5", description = "load after the scale-down (default ${DEFAULT-VALUE})")
  int coolDownSeconds;

  @Option(names = "--migration-rate", defaultValue = "200", description = "migrationRatePerSecond of the fleet (default ${DEFAULT-VALUE})")
  int migrationRate;

  @Option(names = "--idle-migration-seconds", defaultValue = "20", description = "idleMigrationTimerSeconds of the fleet (default ${DEFAULT-VALUE})")
  int idleMigrationSeconds;

  @Option(names = "--think-time-ms", defaultValue = "20", description = "pause between a client's commands (default ${DEFAULT-VALUE})")
  int thinkTimeMillis;

  @Option(names = "--data-plane", description = "run the data-plane demo instead (servers, Redis, clients; no Kubernetes)")
  boolean dataPlane;

  private final PrintStream out = System.out;
  private final long t0 = System.nanoTime();
  private final Object printLock = new Object();
  private final Set<String> seenEvents = new HashSet<>();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final List<LoadRun> runs = new CopyOnWriteArrayList<>();
  private final List<FerryClient> ferryClients = new CopyOnWriteArrayList<>();
  private final List<CompletableFuture<LoadRun.Result>> results = new ArrayList<>();
  private volatile boolean cleanedUp;
  private volatile KubernetesClient admin;
  private volatile String phase = "starting";
  private volatile double worstP99Millis;
  private Path logFile;

  public static void main(String[] args) {
    System.exit(new CommandLine(new OperatorDemo()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (dataPlane) {
      return runDataPlaneDemo();
    }
    Path repo = repoRoot();
    Path work = repo.resolve("operator/target/demo");
    Files.createDirectories(work);
    logFile = work.resolve("demo.log");
    quietLogging(logFile);
    defaultProperty("ferry.repo.root", repo.toString());
    defaultProperty("ferry.controlplane.runDir", work.resolve("control-plane").toString());
    defaultProperty("ferry.controlplane.logDir", work.resolve("control-plane-logs").toString());
    Thread hook = new Thread(() -> {
      if (!cleanedUp) {
        say("interrupted: stopping everything the demo started");
      }
      cleanUp();
    }, "ferry-demo-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return run();
    } catch (Exception | Error e) {
      if (cleanedUp) {
        return 130; // interrupted (Ctrl-C): the shutdown hook is stopping everything
      }
      say("FAILED during %s: %s", phase, e);
      say("logs: %s (pods: %s)", logFile, work.resolve("control-plane/pods"));
      return 2;
    } finally {
      cleanUp();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook runs (or ran) cleanUp, which is idempotent
      }
      for (Handler h : Logger.getLogger("").getHandlers()) {
        if (h instanceof FileHandler) {
          h.close(); // removes its lock file
        }
      }
    }
  }

  private int run() throws Exception {
    say("Ferry operator demo: %d clients, a 3-pod ServerFleet, a rolling upgrade and a scale-down (logs: %s)", clients, logFile);

    phase = "control plane start";
    say("starting kube-apiserver + etcd, kube-scheduler, kube-controller-manager (RBAC on)...");
    ControlPlane cp = ControlPlane.get();
    toClose.add(cp);
    cp.controllerManager();
    cp.scheduler();
    TestNamespace ns = newNamespace(cp);
    toClose.add(0, ns);
    admin = ns.client();
    ServerFleetCrd.install(admin);
    say("control plane up at %s; CRD %s established; namespace %s", cp.masterUrl(), ServerFleetCrd.NAME, ns.name());

    phase = "redis and nodes";
    RedisServer redis = RedisServer.startDefault();
    toClose.add(0, redis);
    LocalPodRuntime runtime =
        LocalPodRuntime.builder(cp).nodes(3).nodeNamePrefix("demo-node").referenceServer().heartbeatInterval(Duration.ofSeconds(2)).build();
    toClose.add(0, runtime);
    say("redis-server at %s; local pod runtime with nodes %s", redis.uri(), runtime.nodeNames());

    phase = "operator start";
    waitFor("default ServiceAccount", () -> admin.serviceAccounts().withName("default").get() != null);
    KubernetesClient operatorClient = OperatorRbac.grant(ns);
    FleetOperator operator = FleetOperator.start(operatorClient, ns.name());
    toClose.add(0, operator);
    say("operator (ServerFleetReconciler on JOSDK) running as ServiceAccount %s with the ClusterRole of deploy/rbac.yaml", OperatorRbac.SERVICE_ACCOUNT);

    Thread ticker = Thread.ofPlatform().daemon().name("demo-progress").start(this::tickEverySecond);
    try {
      phase = "fleet creation";
      ServerFleet fleet = Fleets.valid(FLEET, 3);
      fleet.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(ReferenceServerLauncher.DEFAULT_IMAGE);
      fleet.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().add(new EnvVar("DEMO_VERSION", "1", null));
      fleet.getSpec().getContextStore().setUri(redis.uri());
      fleet.getSpec().setIdleMigrationTimerSeconds(idleMigrationSeconds);
      fleet.getSpec().setSessionIdleTimerSeconds(600);
      fleet.getSpec().setMigrationRatePerSecond(migrationRate);
      fleet.getSpec().setAdvertise(Advertise.Pod);
      admin.resource(fleet).create();
      say("== ServerFleet %s created: 3 replicas, idle migration timer %d s, %d migrations/s, store %s",
          FLEET, idleMigrationSeconds, migrationRate, redis.uri());
      ServerFleetStatus ready = awaitSettled(3, s -> true);

      phase = "clients";
      List<String> addresses = pods().stream().map(p -> p.getStatus().getPodIP() + ":" + 7000).toList();
      startLoad(addresses);
      say("== %d clients running PING/ECHO/SET/GET/INCR/STREAM/transactions on %s", sessionsTotal(), String.join(", ", addresses));
      Thread.sleep(Duration.ofSeconds(warmUpSeconds));

      phase = "rolling upgrade";
      String before = ready.getUpdateRevision();
      say("== rolling upgrade: template env DEMO_VERSION 1 -> 2");
      admin.resources(ServerFleet.class).withName(FLEET).edit(f -> {
        f.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
            .filter(e -> "DEMO_VERSION".equals(e.getName())).forEach(e -> e.setValue("2"));
        return f;
      });
      ServerFleetStatus upgraded =
          awaitSettled(3, s -> s.getUpdateRevision() != null && !before.equals(s.getUpdateRevision())
              && s.getUpdateRevision().equals(s.getCurrentRevision())
              && s.getPods().stream().allMatch(p -> s.getUpdateRevision().equals(p.getRevision())));
      printNewEvents();
      say("== rolling upgrade done: every pod on revision %s", shortRevision(upgraded.getUpdateRevision()));

      phase = "scale-down";
      say("== scale-down 3 -> 2 through the scale subresource");
      admin.resources(ServerFleet.class).withName(FLEET).scale(2);
      awaitSettled(2, s -> true);
      printNewEvents();
      say("== scale-down done; clients keep running for %d s", coolDownSeconds);
      Thread.sleep(Duration.ofSeconds(coolDownSeconds));

      phase = "stopping clients";
      runs.forEach(LoadRun::stop);
      List<LoadRun.Result> done = new ArrayList<>();
      for (CompletableFuture<LoadRun.Result> r : results) {
        done.add(r.get(2, TimeUnit.MINUTES));
      }
      ticker.interrupt();
      ticker.join(2000);
      printNewEvents();
      return summary(done, admin.resources(ServerFleet.class).withName(FLEET).get().getStatus());
    } finally {
      ticker.interrupt();
    }
  }

  // ------------------------------------------------------------------ clients

  private void startLoad(List<String> addresses) {
    int per = Math.max(1, clients / addresses.size());
    int extra = Math.max(0, clients - per * addresses.size());
    for (int i = 0; i < addresses.size(); i++) {
      String address = addresses.get(i);
      int sessions = per + (i < extra ? 1 : 0);
      FerryClient client =
          FerryClient.create(
              ClientOptions.builder().serviceAddress(address).readAhead(true).clientName("demo")
                  .commandTimeout(Duration.ofSeconds(60)).build());
      ferryClients.add(client);
      LoadRun run =
          new LoadRun(
              LoadRun.Options.defaults(address)
                  .withSessions(sessions)
                  .withDuration(Duration.ofMinutes(30))
                  .withStream(200, 2)
                  .withThinkTime(Duration.ofMillis(thinkTimeMillis))
                  .withCommandTimeout(Duration.ofSeconds(60)));
      runs.add(run);
      CompletableFuture<LoadRun.Result> result = new CompletableFuture<>();
      Thread.ofPlatform().daemon().name("demo-load-" + i).start(() -> {
        try {
          result.complete(run.run(client));
        } catch (Throwable t) {
          result.completeExceptionally(t);
        }
      });
      results.add(result);
    }
  }

  private int sessionsTotal() {
    return runs.stream().mapToInt(r -> r.options().sessions()).sum();
  }

  // ------------------------------------------------------------------ progress

  private void tickEverySecond() {
    while (!Thread.currentThread().isInterrupted() && !cleanedUp) {
      try {
        Thread.sleep(1000);
        printNewEvents();
        printProgress();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        if (!cleanedUp) {
          say("(progress unavailable: %s)", e.getMessage());
        }
      }
    }
  }

  private void printProgress() {
    ServerFleet fleet = admin.resources(ServerFleet.class).withName(FLEET).get();
    StringBuilder line = new StringBuilder();
    if (fleet != null && fleet.getStatus() != null) {
      ServerFleetStatus s = fleet.getStatus();
      line.append(String.format(Locale.ROOT, "sessions %4d", s.getSessions() == null ? 0 : s.getSessions()));
      for (FleetPodStatus p : s.getPods().stream().sorted(Comparator.comparing(FleetPodStatus::getName)).toList()) {
        line.append(String.format(Locale.ROOT, " | %s %s %-8s %3d", p.getName(), shortRevision(p.getRevision()),
            p.getPhase(), p.getSessions() == null ? 0 : p.getSessions()));
      }
    } else {
      line.append("no fleet status yet");
    }
    if (!runs.isEmpty()) {
      long ok = runs.stream().mapToLong(LoadRun::commandsOk).sum();
      long failed = runs.stream().mapToLong(LoadRun::commandsFailed).sum();
      long migrations = ferryClients.stream().mapToLong(c -> c.metrics().migrationsCompleted()).sum();
      Histogram interval = new Histogram(3);
      runs.forEach(r -> interval.add(r.intervalLatency()));
      double p99 = interval.getTotalCount() == 0 ? 0 : interval.getValueAtPercentile(99) / 1000.0;
      worstP99Millis = Math.max(worstP99Millis, p99);
      line.append(String.format(Locale.ROOT, "  || ok %7d failed %d migrations %4d p99 %6.1f ms", ok, failed, migrations, p99));
    }
    say("%s", line);
  }

  private void printNewEvents() {
    synchronized (seenEvents) {
      List<Event> fresh = new ArrayList<>();
      for (Event e : admin.events().v1().events().list().getItems()) {
        if (e.getMetadata().getUid() != null && seenEvents.add(e.getMetadata().getUid())) {
          fresh.add(e);
        }
      }
      fresh.sort(Comparator.comparing(OperatorDemo::eventTime));
      fresh.forEach(this::printEvent);
    }
  }

  private void printEvent(Event e) {
    String about = e.getRelated() != null ? e.getRelated().getName()
        : e.getRegarding() != null ? e.getRegarding().getKind() + "/" + e.getRegarding().getName() : "";
    String note = e.getNote() == null ? "" : e.getNote();
    if (note.length() > 160) {
      note = note.substring(0, 157) + "...";
    }
    say("  event %-7s %-14s %s: %s", e.getType(), e.getReason(), about, note);
  }

  private static String eventTime(Event e) {
    if (e.getEventTime() != null && e.getEventTime().getTime() != null) {
      return e.getEventTime().getTime();
    }
    return e.getMetadata().getCreationTimestamp() == null ? "" : e.getMetadata().getCreationTimestamp();
  }

  // ------------------------------------------------------------------ fleet

  /** Waits until the fleet has exactly {@code replicas} Serving pods of its update revision, nothing else, and {@code also} holds. */
  private ServerFleetStatus awaitSettled(int replicas, Predicate<ServerFleetStatus> also) throws InterruptedException {
    ServerFleetStatus[] last = new ServerFleetStatus[1];
    waitFor("fleet settled at " + replicas + " pods", () -> {
      ServerFleet f = admin.resources(ServerFleet.class).withName(FLEET).get();
      ServerFleetStatus s = f.getStatus();
      boolean settled = s != null
          && f.getMetadata().getGeneration().equals(s.getObservedGeneration())
          && s.getReadyReplicas() != null && s.getReadyReplicas() == replicas
          && s.getReplicas() != null && s.getReplicas() == replicas
          && s.getUpdatedReplicas() != null && s.getUpdatedReplicas() == replicas
          && s.getPods().size() == replicas
          && s.getPods().stream().allMatch(p -> p.getPhase() == FleetPodPhase.Serving)
          && also.test(s)
          && admin.pods().withLabel("ferry.dev/fleet", FLEET).list().getItems().size() == replicas;
      last[0] = s;
      return settled;
    });
    return last[0];
  }

  private List<Pod> pods() {
    return admin.pods().withLabel("ferry.dev/fleet", FLEET).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
        .toList();
  }

  private static void waitFor(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + STEP_TIMEOUT.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(250);
    }
  }

  private static String shortRevision(String revision) {
    if (revision == null) {
      return "-";
    }
    return revision.length() > 6 ? revision.substring(revision.length() - 6) : revision;
  }

  /** A namespace as the tests get one, so OperatorRbac and its ServiceAccount client work the same. */
  private static TestNamespace newNamespace(ControlPlane cp) {
    return TestNamespace.create(cp, "ferry-demo");
  }

  // ------------------------------------------------------------------ summary

  private int summary(List<LoadRun.Result> done, ServerFleetStatus status) {
    long ok = 0;
    long failed = 0;
    long violations = 0;
    long migrations = 0;
    long migrationsFailed = 0;
    long sessionsFailed = 0;
    long reconnects = 0;
    long dup = 0;
    long gaps = 0;
    int sessions = 0;
    double pauseMax = 0;
    Histogram latency = new Histogram(3);
    Map<String, Long> errors = new java.util.TreeMap<>();
    for (LoadRun.Result r : done) {
      ok += r.commandsOk();
      failed += r.commandsFailed();
      violations += r.invariantViolations();
      migrations += r.migrations();
      migrationsFailed += r.migrationsFailed();
      sessionsFailed += r.sessionsFailed();
      reconnects += r.reconnects();
      dup += r.duplicateRows();
      gaps += r.seqGaps();
      sessions += r.sessions();
      pauseMax = Math.max(pauseMax, r.pauseMaxMillis());
      latency.add(r.latencyMicros());
      r.errors().forEach((k, v) -> errors.merge(k, v, Long::sum));
    }
    double p99 = latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(99) / 1000.0;
    out.println();
    out.println("Summary");
    out.printf(Locale.ROOT, "  run time            %.0f s%n", elapsedSeconds());
    out.printf(Locale.ROOT, "  commands run        %d%n", ok + failed);
    out.printf(Locale.ROOT, "  commands failed     %d%n", failed);
    out.printf(Locale.ROOT, "  migrations          %d (%.2f per client, %d clients; failed %d)%n",
        migrations, sessions == 0 ? 0 : (double) migrations / sessions, sessions, migrationsFailed);
    out.printf(Locale.ROOT, "  longest pause       %.1f ms%n", pauseMax);
    out.printf(Locale.ROOT, "  command p99         %.1f ms (whole run; worst 1-s interval %.1f ms)%n", p99, worstP99Millis);
    out.printf(Locale.ROOT, "  invariant violations %d (duplicate rows %d, row gaps %d); sessions lost %d, reconnects %d%n",
        violations, dup, gaps, sessionsFailed, reconnects);
    if (!errors.isEmpty()) {
      out.printf(Locale.ROOT, "  errors              %s%n", errors);
    }
    if (status != null) {
      out.printf(Locale.ROOT, "  fleet               %d/%d ready, revision %s, sessions %d, operator migrations completed %d failed %d%n",
          status.getReadyReplicas(), status.getReplicas(), shortRevision(status.getCurrentRevision()),
          status.getSessions() == null ? 0 : status.getSessions(),
          status.getMigrations() == null ? 0 : status.getMigrations().getCompleted(),
          status.getMigrations() == null ? 0 : status.getMigrations().getFailed());
      for (FleetPodStatus p : status.getPods()) {
        out.printf(Locale.ROOT, "    pod %s %s %s %d sessions%n", p.getName(), shortRevision(p.getRevision()), p.getPhase(), p.getSessions());
      }
      for (Condition c : status.getConditions()) {
        out.printf(Locale.ROOT, "    condition %s=%s (%s)%n", c.getType(), c.getStatus(), c.getReason());
      }
    }
    boolean clean = failed == 0 && violations == 0 && sessionsFailed == 0 && dup == 0 && gaps == 0;
    out.println(clean
        ? "  => every client kept its session through a rolling upgrade and a scale-down"
        : "  => FAILURES: see above");
    done.stream().filter(r -> !r.clean()).forEach(r -> out.print(r.toText()));
    return clean ? 0 : 1;
  }

  // ------------------------------------------------------------------ plumbing

  /** Stops everything this demo started, newest first; idempotent (also the Ctrl-C hook). */
  private synchronized void cleanUp() {
    if (cleanedUp) {
      return;
    }
    cleanedUp = true;
    runs.forEach(LoadRun::stop);
    for (FerryClient c : ferryClients) {
      closeQuietly(c);
    }
    for (AutoCloseable c : toClose) {
      closeQuietly(c);
    }
    toClose.clear();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      Logger.getLogger(OperatorDemo.class.getName()).log(Level.WARNING, "closing " + c, e);
    }
  }

  private void say(String format, Object... args) {
    synchronized (printLock) {
      out.printf(Locale.ROOT, "[%5.1fs] %s%n", elapsedSeconds(), String.format(Locale.ROOT, format, args));
    }
  }

  private double elapsedSeconds() {
    return (System.nanoTime() - t0) / 1e9;
  }

  /** Everything the libraries log goes to {@code file}: the terminal shows the demo only. */
  private static void quietLogging(Path file) throws IOException {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    FileHandler handler = new FileHandler(file.toString(), false);
    handler.setFormatter(new SimpleFormatter());
    handler.setLevel(Level.ALL);
    root.addHandler(handler);
    root.setLevel(Level.INFO);
  }

  private static void defaultProperty(String name, String value) {
    if (System.getProperty(name) == null || System.getProperty(name).isBlank()) {
      System.setProperty(name, value);
    }
  }

  private static Path repoRoot() {
    String configured = System.getProperty("ferry.repo.root");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured).toAbsolutePath().normalize();
    }
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("scripts/control-plane.sh"))) {
        return d;
      }
    }
    return Path.of("").toAbsolutePath();
  }

  /** The data-plane demo of the bench module, as its own process (scripts/demo.sh --data-plane builds it). */
  private int runDataPlaneDemo() throws IOException, InterruptedException {
    Path jar = repoRoot().resolve("bench/target/ferry-bench.jar");
    if (!Files.isRegularFile(jar)) {
      out.println("No " + jar + ": run scripts/demo.sh --data-plane (it builds the bench jar)");
      return 2;
    }
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseZGC", "-Xmx2g", "-jar", jar.toString(), "demo",
        "--clients", Integer.toString(clients)));
    Process p = new ProcessBuilder(command).inheritIO().start();
    try {
      return p.waitFor();
    } finally {
      p.destroy();
    }
  }
}
