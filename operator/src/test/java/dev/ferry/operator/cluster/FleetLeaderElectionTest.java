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
import dev.ferry.operator.leader.LeaderElectionSettings;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.resources.DrainState;
import dev.ferry.testkit.RedisServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two operator replicas with leader election on one API server, under the operator's ServiceAccount
 * (the lease Role of deploy/rbac.yaml): only the lease holder acts; when it stops in the middle of a
 * drain, the other takes the lease and finishes the drain under load.
 */
@WithControlPlane(controllerManager = true, scheduler = true)
class FleetLeaderElectionTest {

  private static final String LEASE = "ferry-operator";
  private static RedisServer redis;
  private static LocalPodRuntime runtime;
  private static KubernetesClient operatorClient;

  @BeforeAll
  static void startEverything(ControlPlane cp, KubernetesClient client, TestNamespace ns) {
    ServerFleetCrd.install(client);
    redis = RedisServer.startDefault();
    runtime = LocalPodRuntime.builder(cp).nodes(2).nodeNamePrefix("leader-node").referenceServer()
        .heartbeatInterval(Duration.ofSeconds(2)).build();
    await("default ServiceAccount").atMost(WAIT).until(() -> client.serviceAccounts().withName("default").get() != null);
    operatorClient = OperatorRbac.grant(ns);
  }

  @AfterAll
  static void stopEverything(KubernetesClient client) {
    client.resources(ServerFleet.class).delete();
    // Not left to the garbage collector, whose discovery of the CRD may lag by 30 s.
    client.pods().withLabel("ferry.dev/fleet").delete();
    await("fleet pods gone").atMost(WAIT).until(() -> client.pods().withLabel("ferry.dev/fleet").list().getItems().isEmpty());
    if (runtime != null) {
      runtime.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void onlyTheLeaderActsAndTheOtherReplicaFinishesItsDrain(KubernetesClient client, TestNamespace ns) throws Exception {
    FleetOperator a = FleetOperator.start(operatorClient, ns.name(), "operator-a", settings(ns, "operator-a"));
    FleetOperator b = null;
    try {
      await("operator-a leads").atMost(WAIT).until(() -> "operator-a".equals(holder(client)));
      b = FleetOperator.start(operatorClient, ns.name(), "operator-b", settings(ns, "operator-b"));
      // Slow drain (10 sessions/s) so the leader is stopped while the pod is still draining.
      List<String> addresses = createReadyFleet(client, redis.uri(), "le", 3, 10, 20, 600);
      try (ClientLoad load = ClientLoad.start(addresses, 20, 2)) {
        awaitWarm(load);
        assertThat(holder(client)).isEqualTo("operator-a");
        assertThat(allEvents(client)).as("events before the scale-down").isNotEmpty()
            .allSatisfy(e -> assertThat(e.getReportingInstance()).isEqualTo("operator-a"));

        client.resources(ServerFleet.class).withName("le").scale(2);
        Pod draining = await("a pod draining").atMost(WAIT).until(
            () -> pods(client, "le").stream()
                .filter(p -> DrainState.of(p).map(DrainState.Draining::equals).orElse(false))
                .findFirst().orElse(null),
            Objects::nonNull);
        Instant stopped = Instant.now();
        a.close();
        a = null;
        await("operator-b takes the lease").atMost(WAIT).until(() -> "operator-b".equals(holder(client)));

        awaitSettled(client, "le", 2);
        List<LoadRun.Result> results = load.stop();
        assertClean(results);
        report("scale 3→2, leader stopped mid-drain", results, load.probes());

        String victim = draining.getMetadata().getName();
        Event started = onlyEvent(client, "le", "DrainStarted");
        assertThat(started.getRelated().getName()).isEqualTo(victim);
        assertThat(started.getReportingInstance()).isEqualTo("operator-a");
        Event finished = onlyEvent(client, "le", "DrainFinished");
        assertThat(finished.getRelated().getName()).isEqualTo(victim);
        assertThat(finished.getReportingInstance()).isEqualTo("operator-b");
        assertThat(finished.getNote()).contains("0 sessions left");
        assertThat(events(client, "le", "PodDeleted")).extracting(e -> e.getRelated().getName()).containsExactly(victim);
        // The standby wrote nothing while the other replica led.
        assertThat(allEvents(client)).filteredOn(e -> "operator-b".equals(e.getReportingInstance()))
            .isNotEmpty()
            .allSatisfy(e -> assertThat(Instant.parse(e.getEventTime().getTime())).isAfterOrEqualTo(stopped));
        assertThat(results.stream().mapToLong(LoadRun.Result::migrations).sum()).isEqualTo(20);
        assertThat(load.probes()).allSatisfy(s -> assertThat(s.migrations()).isLessThanOrEqualTo(1));
      }
    } finally {
      if (a != null) {
        a.close();
      }
      if (b != null) {
        b.close();
      }
    }
  }

  /** Short lease timings: a takeover within a few seconds. */
  private static LeaderElectionSettings settings(TestNamespace ns, String identity) {
    return LeaderElectionSettings.builder()
        .leaseName(LEASE)
        .leaseNamespace(ns.name())
        .identity(identity)
        .timing(Duration.ofSeconds(4), Duration.ofSeconds(3), Duration.ofMillis(500))
        .exitOnStopLeading(false)
        .build();
  }

  private static String holder(KubernetesClient client) {
    Lease lease = client.resources(Lease.class).withName(LEASE).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static List<Event> allEvents(KubernetesClient client) {
    return client.events().v1().events().list().getItems().stream()
        .filter(e -> e.getRegarding() != null && "le".equals(e.getRegarding().getName()))
        .toList();
  }
}
