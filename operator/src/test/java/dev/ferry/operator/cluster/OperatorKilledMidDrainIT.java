package dev.ferry.operator.cluster;

import static dev.ferry.operator.cluster.FleetSupport.WAIT;
import static dev.ferry.operator.cluster.FleetSupport.assertClean;
import static dev.ferry.operator.cluster.FleetSupport.awaitSettled;
import static dev.ferry.operator.cluster.FleetSupport.awaitWarm;
import static dev.ferry.operator.cluster.FleetSupport.createReadyFleet;
import static dev.ferry.operator.cluster.FleetSupport.events;
import static dev.ferry.operator.cluster.FleetSupport.onlyEvent;
import static dev.ferry.operator.cluster.FleetSupport.pods;
import static dev.ferry.operator.cluster.FleetSupport.report;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.tools.LoadRun;
import dev.ferry.controlplane.ControlPlane;
import dev.ferry.controlplane.TestNamespace;
import dev.ferry.controlplane.WithControlPlane;
import dev.ferry.controlplane.runtime.LocalPodRuntime;
import dev.ferry.operator.bench.PackagedOperator;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.resources.DrainState;
import dev.ferry.testkit.RedisServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator as it ships (the packaged {@code quarkus-run.jar}, two replicas with leader election,
 * under its ServiceAccount) SIGKILLed in the middle of a drain: no shutdown hook runs, so the lease
 * is not released and the standby must wait for it to expire. The drain state lives on the pod, so
 * the standby finishes the same drain; the clients see nothing.
 *
 * <p>An integration test (failsafe): it needs {@code operator/target/quarkus-app}, which the
 * package phase builds after the unit tests.
 */
@WithControlPlane(controllerManager = true, scheduler = true)
class OperatorKilledMidDrainIT {

  private static final String LEASE = "ferry-operator";
  /** Short lease timings, so the takeover is seconds after the lease runs out (defaults: 15 s / 10 s / 2 s). */
  private static final Map<String, String> LEASE_TIMING = Map.of(
      "ferry.leader-election.lease-duration", "6s",
      "ferry.leader-election.renew-deadline", "4s",
      "ferry.leader-election.retry-period", "1s");

  private static RedisServer redis;
  private static LocalPodRuntime runtime;
  private static Path jar;
  private static Path work;

  @BeforeAll
  static void startEverything(ControlPlane cp, KubernetesClient client, TestNamespace ns) throws Exception {
    ServerFleetCrd.install(client);
    redis = RedisServer.startDefault();
    runtime = LocalPodRuntime.builder(cp).nodes(2).nodeNamePrefix("kill-node").referenceServer()
        .heartbeatInterval(Duration.ofSeconds(2)).build();
    await("default ServiceAccount").atMost(WAIT).until(() -> client.serviceAccounts().withName("default").get() != null);
    OperatorRbac.grant(ns);
    Path root = Path.of(System.getProperty("ferry.repo.root", "..")).toAbsolutePath().normalize();
    work = Files.createDirectories(root.resolve("operator/target/it-operator-killed"));
    jar = PackagedOperator.copyApp(root.resolve("operator/target/quarkus-app"), work.resolve("quarkus-app"));
  }

  @AfterAll
  static void stopEverything(KubernetesClient client) {
    client.resources(ServerFleet.class).delete();
    await("fleet pods gone").atMost(WAIT).until(() -> client.pods().withLabel("ferry.dev/fleet").list().getItems().isEmpty());
    if (runtime != null) {
      runtime.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void theStandbyFinishesTheDrainOfAKilledLeaderAfterItsLeaseRunsOut(ControlPlane cp, KubernetesClient client, TestNamespace ns)
      throws Exception {
    String token = cp.serviceAccountToken(ns.name(), OperatorRbac.SERVICE_ACCOUNT, Duration.ofHours(1));
    Map<String, String> props = new LinkedHashMap<>(ControlPlane.quarkusClientProperties(cp.tokenConfig(ns.name(), token)));
    props.put("quarkus.operator-sdk.controllers.serverfleet.namespaces", ns.name());
    props.putAll(LEASE_TIMING);

    try (PackagedOperator a = PackagedOperator.start(jar, "384m", props, env(ns, "operator-a"), work.resolve("operator-a.log"))) {
      await("operator-a leads").atMost(WAIT).until(() -> "operator-a".equals(holder(client)));
      // The standby is live but not ready: it waits for the lease.
      try (PackagedOperator b =
          PackagedOperator.start(jar, "384m", props, env(ns, "operator-b"), work.resolve("operator-b.log"), "/q/health/live")) {
        // Slow drain (5 sessions/s, 4 s for the 20 sessions) so the leader dies while the pod is still draining.
        List<String> addresses = createReadyFleet(client, redis.uri(), "kd", 3, 5, 30, 600);
        try (ClientLoad load = ClientLoad.start(addresses, 20, 2)) {
          awaitWarm(load);
          client.resources(ServerFleet.class).withName("kd").scale(2);
          Pod draining = await("a pod draining").atMost(WAIT).until(
              () -> pods(client, "kd").stream()
                  .filter(p -> DrainState.of(p).map(DrainState.Draining::equals).orElse(false))
                  .findFirst().orElse(null),
              Objects::nonNull);

          // The Event goes out just after the pod is marked; a leader killed in between would take it along,
          // which is not what this test is about (the drain, not its announcement).
          await("operator-a announced the drain").atMost(WAIT).until(() -> !events(client, "kd", "DrainStarted").isEmpty());
          a.kill();
          Instant killed = Instant.now();
          assertThat(holder(client)).as("a SIGKILLed leader does not hand its lease back").isEqualTo("operator-a");
          assertThat(client.pods().withName(draining.getMetadata().getName()).get()).as("still there, draining").isNotNull();

          await("operator-b takes the lease once it runs out").atMost(WAIT).until(() -> "operator-b".equals(holder(client)));
          awaitSettled(client, "kd", 2);
          List<LoadRun.Result> results = load.stop();
          assertClean(results);
          report("scale 3→2, packaged leader SIGKILLed mid-drain", results, load.probes());

          String victim = draining.getMetadata().getName();
          Event started = onlyEvent(client, "kd", "DrainStarted");
          assertThat(started.getRelated().getName()).isEqualTo(victim);
          assertThat(started.getReportingInstance()).isEqualTo("operator-a");
          Event finished = onlyEvent(client, "kd", "DrainFinished");
          assertThat(finished.getRelated().getName()).isEqualTo(victim);
          assertThat(finished.getReportingInstance()).isEqualTo("operator-b");
          assertThat(finished.getNote()).contains("0 sessions left");
          assertThat(Instant.parse(finished.getEventTime().getTime())).isAfter(killed);
          assertThat(events(client, "kd", "PodDeleted")).extracting(e -> e.getRelated().getName()).containsExactly(victim);
          assertThat(results.stream().mapToLong(LoadRun.Result::migrations).sum()).as("each of the victim's 20 sessions moved once")
              .isEqualTo(20);
          assertThat(load.probes()).allSatisfy(s -> assertThat(s.migrations()).isLessThanOrEqualTo(1));
        }
      }
    }
  }

  /** As the Deployment sets them (downward API): the lease lives next to the operator, named by the pod. */
  private static Map<String, String> env(TestNamespace ns, String podName) {
    return Map.of("POD_NAMESPACE", ns.name(), "POD_NAME", podName);
  }

  private static String holder(KubernetesClient client) {
    Lease lease = client.resources(Lease.class).withName(LEASE).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }
}
