package dev.ferry.operator.cluster;

import static dev.ferry.operator.cluster.FleetSupport.WAIT;
import static dev.ferry.operator.cluster.FleetSupport.assertClean;
import static dev.ferry.operator.cluster.FleetSupport.assertProbesAnswer;
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
import dev.ferry.operator.model.PodDisruptionBudgetSpec;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.testkit.RedisServer;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fleet's PodDisruptionBudget on the real API server, with kube-controller-manager computing its
 * status from the fleet's scale subresource: it follows the spec (created, updated, deleted), an
 * eviction is refused while the budget is used up, and a cordon still empties the node because the
 * operator replaces and drains its pods itself.
 */
@WithControlPlane(controllerManager = true, scheduler = true)
class FleetDisruptionBudgetTest {

  private static RedisServer redis;
  private static LocalPodRuntime runtime;
  private static KubernetesClient operatorClient;
  private static FleetOperator operator;

  @BeforeAll
  static void startEverything(ControlPlane cp, KubernetesClient client, TestNamespace ns) {
    ServerFleetCrd.install(client);
    redis = RedisServer.startDefault();
    runtime = LocalPodRuntime.builder(cp).nodes(3).nodeNamePrefix("pdb-node").referenceServer()
        .heartbeatInterval(Duration.ofSeconds(2)).build();
    await("default ServiceAccount").atMost(WAIT).until(() -> client.serviceAccounts().withName("default").get() != null);
    operatorClient = OperatorRbac.grant(ns);
    operator = FleetOperator.start(operatorClient, ns.name());
  }

  @AfterAll
  static void stopEverything(KubernetesClient client) {
    if (operator != null) {
      operator.close();
    }
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
  void theBudgetHoldsEvictionsFollowsTheSpecAndACordonStillCompletes(KubernetesClient client) throws Exception {
    List<String> addresses = createReadyFleet(client, redis.uri(), "pdb", 3, 200, 20, 600, f -> {
      PodDisruptionBudgetSpec budget = new PodDisruptionBudgetSpec();
      budget.setEnabled(true);
      budget.setMaxUnavailable(new IntOrString(0));
      f.getSpec().setPodDisruptionBudget(budget);
    });
    ServerFleet fleet = client.resources(ServerFleet.class).withName("pdb").get();
    // kube-controller-manager's disruption controller reads the expected count from the fleet's scale subresource.
    PodDisruptionBudget used = await("the budget computed: 3 expected, 0 disruptions allowed").atMost(WAIT)
        .pollInterval(Duration.ofSeconds(1)).until(
        () -> resyncIfDiscoveryWasStale(client, budget(client)), b -> b != null && b.getStatus() != null
            && b.getMetadata().getGeneration().equals(b.getStatus().getObservedGeneration())
            && Integer.valueOf(3).equals(b.getStatus().getExpectedPods())
            && Integer.valueOf(3).equals(b.getStatus().getCurrentHealthy())
            && Integer.valueOf(0).equals(b.getStatus().getDisruptionsAllowed()));
    assertThat(used.getSpec().getSelector().getMatchLabels()).isEqualTo(Map.of("ferry.dev/fleet", "pdb"));
    assertThat(used.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(0));
    assertThat(used.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo(fleet.getMetadata().getUid()));
    assertThat(onlyEvent(client, "pdb", "DisruptionBudgetCreated").getNote()).contains("maxUnavailable 0");

    try (ClientLoad load = ClientLoad.start(addresses, 20, 3)) {
      awaitWarm(load);
      Pod target = pods(client, "pdb").get(0);
      String node = target.getSpec().getNodeName();
      assertThat(client.pods().withName(target.getMetadata().getName()).evict()).as("eviction refused by the budget").isFalse();
      assertThat(client.pods().withName(target.getMetadata().getName()).get().getMetadata().getDeletionTimestamp()).isNull();

      client.nodes().withName(node).edit(n -> {
        n.getSpec().setUnschedulable(true);
        return n;
      });
      try {
        await("pods off the cordoned node " + node).atMost(WAIT).pollInterval(Duration.ofMillis(500))
            .until(() -> pods(client, "pdb").stream().noneMatch(p -> node.equals(p.getSpec().getNodeName())));
        awaitSettled(client, "pdb", 3);
        long after = load.commandsOk();
        await("load goes on after the node drain").atMost(WAIT).until(() -> load.commandsOk() > after + 300);
        List<LoadRun.Result> results = load.stop();
        assertClean(results);
        report("node cordoned under a used-up budget", results, load.probes());
        assertThat(events(client, "pdb", "DrainFinished")).isNotEmpty()
            .allSatisfy(e -> assertThat(e.getNote()).contains("(NodeDrain)").contains("0 sessions left"));
        assertThat(events(client, "pdb", "DrainFinished")).extracting(e -> e.getRelated().getName())
            .contains(target.getMetadata().getName());
        assertThat(results.stream().mapToLong(LoadRun.Result::migrations).sum()).isEqualTo(20L * events(client, "pdb", "DrainFinished").size());
        assertProbesAnswer(load.probes(), target.getMetadata().getName());
      } finally {
        client.nodes().withName(node).edit(n -> {
          n.getSpec().setUnschedulable(null);
          return n;
        });
      }
    }

    client.resources(ServerFleet.class).withName("pdb").edit(f -> {
      f.getSpec().getPodDisruptionBudget().setMaxUnavailable(new IntOrString("50%"));
      return f;
    });
    await("budget updated to 50%").atMost(WAIT).until(
        () -> budget(client), b -> b != null && new IntOrString("50%").equals(b.getSpec().getMaxUnavailable()));
    assertThat(onlyEvent(client, "pdb", "DisruptionBudgetUpdated").getNote()).contains("maxUnavailable 50%");

    client.resources(ServerFleet.class).withName("pdb").edit(f -> {
      f.getSpec().getPodDisruptionBudget().setEnabled(false);
      return f;
    });
    await("budget deleted").atMost(WAIT).until(() -> budget(client) == null);
    onlyEvent(client, "pdb", "DisruptionBudgetDeleted");
    // and it stays deleted (no later reconciliation puts it back)
    assertThat(client.resources(ServerFleet.class).withName("pdb").get().getSpec().getPodDisruptionBudget().getEnabled()).isFalse();
  }

  /**
   * The test's controller manager may have started before the CRD was installed: its disruption
   * controller then cannot map ServerFleet (SyncFailed "no matches for kind") until its discovery
   * refreshes (every 30 s), and only syncs a budget again on a change. An annotation is such a change.
   */
  private static PodDisruptionBudget resyncIfDiscoveryWasStale(KubernetesClient client, PodDisruptionBudget b) {
    boolean stale = b != null && b.getStatus() != null && b.getStatus().getConditions().stream()
        .anyMatch(c -> "SyncFailed".equals(c.getReason()) && c.getMessage().contains("no matches for kind"));
    if (stale) {
      return client.policy().v1().podDisruptionBudget().withName("pdb").edit(x -> {
        return new io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder(x)
            .editMetadata().addToAnnotations("ferry.dev/test-resync", java.time.Instant.now().toString()).endMetadata()
            .build();
      });
    }
    return b;
  }

  private static PodDisruptionBudget budget(KubernetesClient client) {
    return client.policy().v1().podDisruptionBudget().withName("pdb").get();
  }
}
