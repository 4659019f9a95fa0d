package dev.ferry.operator.bench;

import dev.ferry.controlplane.ControlPlane;
import dev.ferry.controlplane.TestNamespace;
import dev.ferry.controlplane.runtime.LocalPodRuntime;
import dev.ferry.controlplane.runtime.ReferenceServerLauncher;
import dev.ferry.operator.cluster.Fleets;
import dev.ferry.operator.cluster.ServerFleetCrd;
import dev.ferry.operator.model.Advertise;
import dev.ferry.operator.model.FleetPodPhase;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetStatus;
import dev.ferry.testkit.RedisServer;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both operator benchmarks run on: the real control plane (kube-apiserver + etcd, scheduler,
 * controller manager), a namespace, a real redis-server and the local pod runtime whose pods are
 * reference-server processes. The benchmark's own API clients carry their own user agents, so the
 * API server's request log tells their requests from the operator's.
 */
final class BenchCluster implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BenchCluster.class);
  static final String VERSION_ENV = "BENCH_VERSION";
  static final String BENCH_AGENT = "ferry-bench/driver";
  static final String RUNTIME_AGENT = "ferry-bench/pod-runtime";

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final ControlPlane controlPlane;
  private final TestNamespace namespace;
  private final KubernetesClient admin;
  private final RedisServer redis;
  private final LocalPodRuntime runtime;

  private BenchCluster(String owner, int nodes, List<String> serverJvmOptions, Path work) {
    try {
      controlPlane = ControlPlane.get();
      toClose.add(controlPlane);
      controlPlane.controllerManager();
      controlPlane.scheduler();
      namespace = TestNamespace.create(controlPlane, owner);
      toClose.add(0, namespace);
      ServerFleetCrd.install(namespace.client());
      admin = client(BENCH_AGENT);
      toClose.add(0, admin);
      redis = RedisServer.startDefault();
      toClose.add(0, redis);
      KubernetesClient runtimeClient = client(RUNTIME_AGENT);
      toClose.add(0, runtimeClient);
      runtime =
          LocalPodRuntime.builder(runtimeClient)
              .nodes(nodes)
              .nodeNamePrefix("bench-node")
              .launcher(ReferenceServerLauncher.DEFAULT_IMAGE, new ReferenceServerLauncher(serverJarCopy(work), serverJvmOptions))
              .logDir(work.resolve("pods"))
              .heartbeatInterval(Duration.ofSeconds(5))
              .build();
      toClose.add(0, runtime);
      Awaitility.await("default ServiceAccount").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
          .until(() -> admin.serviceAccounts().withName("default").get() != null);
    } catch (RuntimeException | Error e) {
      close(); // what started so far
      throw e;
    }
  }

  /** Starts everything, with pod logs and the server jar under {@code work}; on failure stops what was started. */
  static BenchCluster start(String owner, int nodes, List<String> serverJvmOptions, Path work) {
    return new BenchCluster(owner, nodes, serverJvmOptions, work);
  }

  /**
   * The reference server's runnable jar, copied: pods run for minutes, and a build meanwhile
   * rewrites the jar in server-image/target under the running JVMs (their classes then fail to load).
   */
  private static Path serverJarCopy(Path work) {
    try {
      Files.createDirectories(work);
      return Files.copy(ReferenceServerLauncher.findJar(), work.resolve("ferry-server-runnable.jar"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }


  /**
   * The server image's JVM options (server-image/pom.xml, jib jvmFlags) with the heap a container
   * limit would give, not the test suite's quick-start options: those cap the JIT at C1
   * ({@code TieredStopAtLevel=1}), which starts a JVM faster but leaves its hot paths slower, and a
   * pod that takes a third of the fleet's sessions during a rollout is exactly where that shows.
   * The default collector is what the image gets too (G1 with 2 CPUs).
   */
  static List<String> serverJvmOptions(String maxHeap) {
    return List.of("-Xmx" + maxHeap, "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData");
  }

  private KubernetesClient client(String userAgent) {
    return new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(controlPlane.adminConfig(namespace.name())).withUserAgent(userAgent).build())
        .build();
  }

  ControlPlane controlPlane() {
    return controlPlane;
  }

  TestNamespace namespace() {
    return namespace;
  }

  KubernetesClient admin() {
    return admin;
  }

  RedisServer redis() {
    return redis;
  }

  LocalPodRuntime runtime() {
    return runtime;
  }

  Path runDir() {
    return controlPlane.settings().runDir();
  }

  /** A fleet of reference servers on this cluster's Redis, advertising pod addresses. */
  ServerFleet newFleet(String name, int replicas, int idleMigrationSeconds, int sessionIdleSeconds, int migrationRate) {
    ServerFleet fleet = Fleets.valid(name, replicas);
    var container = fleet.getSpec().getTemplate().getSpec().getContainers().get(0);
    container.setImage(ReferenceServerLauncher.DEFAULT_IMAGE);
    container.getEnv().add(new EnvVar(VERSION_ENV, "1", null));
    fleet.getSpec().getContextStore().setUri(redis.uri());
    fleet.getSpec().setIdleMigrationTimerSeconds(idleMigrationSeconds);
    fleet.getSpec().setSessionIdleTimerSeconds(sessionIdleSeconds);
    fleet.getSpec().setMigrationRatePerSecond(migrationRate);
    fleet.getSpec().setAdvertise(Advertise.Pod);
    return admin.resource(fleet).create();
  }

  /** Changes the pod template (env {@value #VERSION_ENV}): a rolling upgrade. */
  void upgrade(String fleet, String version) {
    admin.resources(ServerFleet.class).withName(fleet).edit(f -> {
      f.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
          .filter(e -> VERSION_ENV.equals(e.getName())).forEach(e -> e.setValue(version));
      return f;
    });
  }

  ServerFleet fleet(String name) {
    return admin.resources(ServerFleet.class).withName(name).get();
  }

  /** Whether the fleet has exactly {@code replicas} serving pods of its update revision, nothing else, and {@code also} holds. */
  boolean settled(String name, int replicas, Predicate<ServerFleetStatus> also) {
    ServerFleet f = fleet(name);
    ServerFleetStatus s = f == null ? null : f.getStatus();
    return s != null
        && f.getMetadata().getGeneration().equals(s.getObservedGeneration())
        && s.getReadyReplicas() != null && s.getReadyReplicas() == replicas
        && s.getReplicas() != null && s.getReplicas() == replicas
        && s.getUpdatedReplicas() != null && s.getUpdatedReplicas() == replicas
        && s.getPods().size() == replicas
        && s.getPods().stream().allMatch(p -> p.getPhase() == FleetPodPhase.Serving)
        && also.test(s)
        && pods(name).size() == replicas;
  }

  /** Waits (polling the API) until {@link #settled}; returns the status then. */
  ServerFleetStatus awaitSettled(String name, int replicas, Predicate<ServerFleetStatus> also, Duration atMost) {
    Awaitility.await("fleet " + name + " settled at " + replicas + " pods").atMost(atMost).pollInterval(Duration.ofMillis(250))
        .ignoreExceptions().until(() -> settled(name, replicas, also));
    return fleet(name).getStatus();
  }

  /** The fleet's pods that are not being deleted, by name. */
  List<Pod> pods(String fleet) {
    return admin.pods().withLabel("ferry.dev/fleet", fleet).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
        .toList();
  }

  /** Client addresses of the fleet's ready pods that are not being deleted. */
  List<String> readyAddresses(String fleet, int clientPort) {
    return pods(fleet).stream()
        .filter(p -> p.getStatus() != null && p.getStatus().getPodIP() != null && p.getStatus().getConditions() != null
            && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
        .map(p -> p.getStatus().getPodIP() + ":" + clientPort)
        .toList();
  }

  /** Deletes the fleet and waits until its pods are gone. */
  void deleteFleet(String name, Duration atMost) {
    admin.resources(ServerFleet.class).withName(name).delete();
    Awaitility.await("fleet " + name + " gone").atMost(atMost).pollInterval(Duration.ofMillis(250))
        .until(() -> fleet(name) == null && admin.pods().withLabel("ferry.dev/fleet", name).list().getItems().isEmpty());
  }

  /** Adds something to close with the cluster, before what is already there. */
  <T extends AutoCloseable> T closeFirst(T closeable) {
    toClose.add(0, closeable);
    return closeable;
  }

  /** Stops everything, newest first. Idempotent. */
  @Override
  public synchronized void close() {
    for (AutoCloseable c : toClose) {
      try {
        c.close();
      } catch (Exception e) {
        log.warn("closing {}: {}", c, e.toString());
      }
    }
    toClose.clear();
  }
}
