package dev.ferry.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static dev.ferry.operator.cluster.FleetSupport.*;

import dev.ferry.client.FerrySession;
import dev.ferry.client.SessionLostException;
import dev.ferry.client.tools.LoadRun;
import dev.ferry.controlplane.ControlPlane;
import dev.ferry.controlplane.TestNamespace;
import dev.ferry.controlplane.WithControlPlane;
import dev.ferry.controlplane.runtime.LocalPodRuntime;
import dev.ferry.controlplane.runtime.ReferenceServerLauncher;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetStatus;
import dev.ferry.operator.resources.DrainState;
import dev.ferry.testkit.RedisServer;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Drains against the real API server and kube-scheduler, with the local pod runtime running a real
 * reference server per pod, a real redis-server as context store, and real clients (LoadRun) on the
 * pods' addresses. The reconciler runs under the operator's least-privilege ServiceAccount.
 */
@WithControlPlane(controllerManager = true, scheduler = true)
class FleetDrainTest {

  private static final int SESSIONS_PER_POD = 33;
  /** The product brief's scale-down: 300 clients busy on commands and streams over 3 pods. */
  private static final int SCALE_DOWN_SESSIONS_PER_POD = 100;
  private static final int PROBES_PER_POD = 5;
  private static final int NODE_SESSIONS_PER_POD = 20;

  private static RedisServer redis;
  private static LocalPodRuntime runtime;
  private static KubernetesClient operatorClient;
  private FleetOperator operator;

  @BeforeAll
  static void startEverything(ControlPlane cp, KubernetesClient client, TestNamespace ns) {
    ServerFleetCrd.install(client);
    redis = RedisServer.startDefault();
    runtime =
        LocalPodRuntime.builder(cp)
            .nodes(3)
            .nodeNamePrefix("drain-node")
            .referenceServer()
            .heartbeatInterval(Duration.ofSeconds(2))
            .build();
    await("default ServiceAccount").atMost(WAIT).until(() -> client.serviceAccounts().withName("default").get() != null);
    operatorClient = OperatorRbac.grant(ns);
  }

  @AfterAll
  static void stopEverything() {
    if (runtime != null) {
      runtime.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @BeforeEach
  void startOperator(TestNamespace ns) {
    operator = FleetOperator.start(operatorClient, ns.name());
  }

  @AfterEach
  void stopOperator(KubernetesClient client) {
    if (operator != null) {
      operator.close();
    }
    // Fleets of finished tests would otherwise keep their servers running (two shared cores).
    client.resources(ServerFleet.class).delete();
    await("fleet pods gone").atMost(WAIT).until(() -> client.pods().withLabel("ferry.dev/fleet").list().getItems().isEmpty());
  }

  @Test
  void podsOnACordonedNodeAreReplacedThenDrainedBeforeEviction(KubernetesClient client) throws Exception {
    List<String> addresses = createReadyFleet(client, "nd", 3, 200);
    String node = pods(client, "nd").get(0).getSpec().getNodeName();
    try (ClientLoad load = ClientLoad.start(addresses, NODE_SESSIONS_PER_POD, PROBES_PER_POD)) {
      awaitWarm(load);
      List<String> displaced = pods(client, "nd").stream()
          .filter(p -> node.equals(p.getSpec().getNodeName())).map(p -> p.getMetadata().getName()).toList();
      java.util.Map<FerrySession, String> probeHome = new java.util.HashMap<>();
      load.probes().forEach(s -> probeHome.put(s, podOf(s)));

      client.nodes().withName(node).edit(n -> {
        n.getSpec().setUnschedulable(true);
        return n;
      });
      try {
        await("pods off the cordoned node " + node).atMost(WAIT).pollInterval(Duration.ofMillis(500))
            .until(() -> pods(client, "nd").stream().noneMatch(p -> node.equals(p.getSpec().getNodeName())));
        ServerFleetStatus status = awaitSettled(client, "nd", 3);
        long after = load.commandsOk();
        await("load goes on after the node drain").atMost(WAIT).until(() -> load.commandsOk() > after + 300);
        List<LoadRun.Result> results = load.stop();
        assertClean(results);
        report("node cordoned (" + displaced.size() + " pod(s) on it)", results, load.probes());

        assertThat(pods(client, "nd")).allSatisfy(p -> assertThat(p.getSpec().getNodeName()).isNotEqualTo(node));
        assertThat(status.getPods()).extracting(p -> p.getName()).doesNotContainAnyElementsOf(displaced);
        List<Event> finished = events(client, "nd", "DrainFinished");
        finished.forEach(e -> System.out.printf("DRAIN-EVENT nd DrainFinished: %s%n", e.getNote()));
        assertThat(finished).extracting(e -> e.getRelated().getName()).containsExactlyInAnyOrderElementsOf(displaced);
        assertThat(finished).allSatisfy(e -> assertThat(e.getNote()).contains("(NodeDrain)").contains("0 sessions left"));
        assertThat(events(client, "nd", "DrainRequested")).hasSize(displaced.size())
            .allSatisfy(e -> assertThat(e.getNote()).contains("NodeDrain").contains("node " + node + " is cordoned"));
        // The operator deleted them itself (no eviction happened): PodDeleted events for each.
        assertThat(events(client, "nd", "PodDeleted")).extracting(e -> e.getRelated().getName())
            .containsExactlyInAnyOrderElementsOf(displaced);
        // Replacement first: every replacement was created before the first drain was requested.
        List<Event> replacements = events(client, "nd", "PodCreated").stream()
            .filter(e -> e.getNote().contains("Replaces pod(s) on draining nodes")).toList();
        assertThat(replacements).hasSize(displaced.size());
        String firstDrain = events(client, "nd", "DrainRequested").stream().map(FleetSupport::time).sorted().findFirst().orElseThrow();
        assertThat(replacements).allSatisfy(e -> assertThat(time(e)).isLessThanOrEqualTo(firstDrain));

        long migrated = results.stream().mapToLong(LoadRun.Result::migrations).sum();
        assertThat(migrated).as("the displaced pods' load sessions moved").isEqualTo((long) NODE_SESSIONS_PER_POD * displaced.size());
        for (FerrySession probe : load.probes()) {
          boolean moved = displaced.contains(probeHome.get(probe));
          assertThat(probe.migrations()).as("probe on %s", probeHome.get(probe)).isEqualTo(moved ? 1 : 0);
          assertThat(podOf(probe)).isNotIn(displaced);
        }
      } finally {
        client.nodes().withName(node).edit(n -> {
          n.getSpec().setUnschedulable(null);
          return n;
        });
      }
    }
  }

  @Test
  void scaleDownOf300BusyClientsMovesEverySessionBeforeThePodGoes(KubernetesClient client) throws Exception {
    List<String> addresses = createReadyFleet(client, "sd", 3, 200);
    try (ClientLoad load = ClientLoad.start(addresses, SCALE_DOWN_SESSIONS_PER_POD, PROBES_PER_POD)) {
      awaitWarm(load);

      client.resources(ServerFleet.class).withName("sd").edit(f -> {
        f.getSpec().setReplicas(2);
        return f;
      });

      ServerFleetStatus status = awaitSettled(client, "sd", 2);
      long afterDrain = load.commandsOk();
      await("load goes on after the drain").atMost(WAIT).until(() -> load.commandsOk() > afterDrain + 300);
      List<LoadRun.Result> results = load.stop();
      assertClean(results);
      report("scale 3→2, 300 clients", results, load.probes());
      assertThat(results.stream().mapToInt(LoadRun.Result::sessions).sum()).isEqualTo(3 * SCALE_DOWN_SESSIONS_PER_POD);

      Event finished = onlyEvent(client, "sd", "DrainFinished");
      // The operator deletes the pod only once its own admin API reports 0 sessions.
      assertThat(finished.getNote()).contains("0 sessions left").contains("ScaleDown")
          .contains((SCALE_DOWN_SESSIONS_PER_POD + PROBES_PER_POD) + " sessions migrated");
      Event started = onlyEvent(client, "sd", "DrainStarted");
      assertThat(started.getNote()).containsPattern("ScaleDown\\): [1-9][0-9]* sessions to ");
      String victim = finished.getRelated().getName();
      assertThat(status.getPods()).extracting(p -> p.getName()).doesNotContain(victim).hasSize(2);
      assertThat(eventReasons(client, "sd")).contains("DrainRequested", "DrainStarted", "DrainFinished", "PodDeleted");
      long migrated = results.stream().mapToLong(LoadRun.Result::migrations).sum();
      assertThat(migrated).as("the victim's load sessions moved").isEqualTo(SCALE_DOWN_SESSIONS_PER_POD);
      assertProbesAnswer(load.probes(), victim);
      assertThat(load.probes()).filteredOn(s -> s.migrations() == 1).hasSize(PROBES_PER_POD);
      assertThat(load.probes()).allSatisfy(s -> assertThat(s.migrations()).isLessThanOrEqualTo(1));
    }
  }

  @Test
  void rollingUpgradeUnderLoadMovesEachClientExactlyOnce(KubernetesClient client) throws Exception {
    List<String> addresses = createReadyFleet(client, "ru", 3, 200);
    String before = client.resources(ServerFleet.class).withName("ru").get().getStatus().getUpdateRevision();
    try (ClientLoad load = ClientLoad.start(addresses, SESSIONS_PER_POD, PROBES_PER_POD)) {
      awaitWarm(load);

      client.resources(ServerFleet.class).withName("ru").edit(f -> {
        f.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().add(new EnvVar("ROLLOUT", "2", null));
        return f;
      });

      await("the rollout reported as progressing").atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
        ServerFleetStatus s = client.resources(ServerFleet.class).withName("ru").get().getStatus();
        return s != null && !before.equals(s.getUpdateRevision())
            && s.getConditions().stream().anyMatch(c -> "Progressing".equals(c.getType())
                && "True".equals(c.getStatus()) && "RollingUpdate".equals(c.getReason()));
      });
      ServerFleetStatus status = awaitSettled(client, "ru", 3);
      long afterRollout = load.commandsOk();
      await("load goes on after the rollout").atMost(WAIT).until(() -> load.commandsOk() > afterRollout + 300);
      List<LoadRun.Result> results = load.stop();
      assertClean(results);
      report("rolling upgrade", results, load.probes());

      assertThat(status.getUpdatedReplicas()).isEqualTo(3);
      assertThat(status.getConditions()).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Progressing");
        assertThat(c.getReason()).isEqualTo("Stable");
      });
      events(client, "ru", "DrainFinished").forEach(e -> System.out.printf("DRAIN-EVENT ru DrainFinished: %s%n", e.getNote()));
      assertThat(status.getCurrentRevision()).isEqualTo(status.getUpdateRevision()).isNotEqualTo(before);
      assertThat(status.getPods()).allSatisfy(p -> assertThat(p.getRevision()).isEqualTo(status.getUpdateRevision()));
      assertThat(status.getMigrations().getCompleted()).isGreaterThanOrEqualTo(3L * (SESSIONS_PER_POD + PROBES_PER_POD));
      // Every session sat on an old pod, all old pods are gone and no session was lost or reopened:
      // each moved at least once; as many migrations as sessions means each moved exactly once.
      long migrated = results.stream().mapToLong(LoadRun.Result::migrations).sum();
      assertThat(migrated).isEqualTo(3L * SESSIONS_PER_POD);
      assertThat(load.probes()).allSatisfy(s -> assertThat(s.migrations()).isEqualTo(1));
      assertProbesAnswer(load.probes(), null);
      List<Event> finished = events(client, "ru", "DrainFinished");
      assertThat(finished).hasSize(3).allSatisfy(e -> assertThat(e.getNote()).contains("(Rollout)").contains("0 sessions left"));
      assertThat(events(client, "ru", "DrainStarted")).hasSize(3);
      assertThat(events(client, "ru", "PodCreated")).hasSize(6);
    }
  }

  @Test
  void theScaleSubresourceScalesToOneAndBack(KubernetesClient client) throws Exception {
    List<String> addresses = createReadyFleet(client, "hpa", 3, 200);
    try (ClientLoad load = ClientLoad.start(addresses, 20, 2)) {
      awaitWarm(load);

      client.resources(ServerFleet.class).withName("hpa").scale(1);
      ServerFleetStatus one = awaitSettled(client, "hpa", 1);
      assertThat(one.getSessions()).as("every session on the last pod").isEqualTo(3L * (20 + 2));

      client.resources(ServerFleet.class).withName("hpa").scale(3);
      awaitSettled(client, "hpa", 3);
      assertThat(client.resources(ServerFleet.class).withName("hpa").scale().getStatus().getReplicas()).isEqualTo(3);
      List<LoadRun.Result> results = load.stop();
      assertClean(results);
      report("scale 3→1→3", results, load.probes());
      assertThat(events(client, "hpa", "DrainFinished")).hasSize(2)
          .allSatisfy(e -> assertThat(e.getNote()).contains("0 sessions left"));
      assertProbesAnswer(load.probes(), null);
    }
  }

  @Test
  void aNewOperatorFinishesTheDrainTheOldOneStarted(KubernetesClient client, TestNamespace ns) throws Exception {
    // A slow drain (10 sessions/s), so the operator stops while the pod is still draining.
    List<String> addresses = createReadyFleet(client, "rs", 3, 10);
    try (ClientLoad load = ClientLoad.start(addresses, SESSIONS_PER_POD, PROBES_PER_POD)) {
      awaitWarm(load);

      client.resources(ServerFleet.class).withName("rs").scale(2);
      Pod draining =
          await("a pod draining").atMost(WAIT).until(
              () -> pods(client, "rs").stream()
                  .filter(p -> DrainState.of(p).map(DrainState.Draining::equals).orElse(false))
                  .findFirst().orElse(null),
              java.util.Objects::nonNull);
      await("DrainStarted recorded").atMost(WAIT).until(() -> events(client, "rs", "DrainStarted").size() == 1);
      operator.close();
      operator = null;
      assertThat(client.pods().withName(draining.getMetadata().getName()).get()).as("still there, draining").isNotNull();
      // As if the stopped operator had died between marking the pod Draining and recording DrainStarted.
      client.resource(onlyEvent(client, "rs", "DrainStarted")).delete();
      await("DrainStarted gone").atMost(WAIT).until(() -> events(client, "rs", "DrainStarted").isEmpty());

      operator = FleetOperator.start(operatorClient, ns.name());
      ServerFleetStatus status = awaitSettled(client, "rs", 2);
      assertThat(status.getPods()).extracting(p -> p.getName()).doesNotContain(draining.getMetadata().getName());
      List<LoadRun.Result> results = load.stop();
      assertClean(results);
      report("operator restart mid-drain", results, load.probes());
      // The new operator announced the drain it found unannounced, once.
      Event announced = onlyEvent(client, "rs", "DrainStarted");
      assertThat(announced.getRelated().getName()).isEqualTo(draining.getMetadata().getName());
      assertThat(announced.getNote()).contains("Draining pod " + draining.getMetadata().getName() + " (ScaleDown)").contains(" sessions to ");
      assertThat(onlyEvent(client, "rs", "DrainFinished").getNote()).contains("0 sessions left");
      assertThat(results.stream().mapToLong(LoadRun.Result::migrations).sum()).isEqualTo(SESSIONS_PER_POD);
      assertProbesAnswer(load.probes(), draining.getMetadata().getName());
    }
  }

  @Test
  void withMigrationDisabledAScaleDownClosesTheVictimsSessionsOnly(KubernetesClient client) throws Exception {
    List<String> addresses = createReadyFleet(client, "off", 3, 200, 0, 0);
    // Load on two pods only: the third, holding just probes, has the fewest sessions and is the victim.
    String victimAddress = addresses.get(2);
    String victim = podAt(client, "off", victimAddress);
    try (ClientLoad load = ClientLoad.start(addresses.subList(0, 2), 20, addresses, 3, true)) {
      awaitWarm(load);
      assertThat(condition(client, "off", "MigrationDisabled")).satisfies(c -> {
        assertThat(c.getStatus()).isEqualTo("True");
        assertThat(c.getReason()).isEqualTo("BothTimersZero");
      });
      java.util.Map<FerrySession, String> probeHome = new java.util.HashMap<>();
      load.probes().forEach(s -> probeHome.put(s, podOf(s)));

      client.resources(ServerFleet.class).withName("off").scale(2);
      awaitSettled(client, "off", 2);
      long after = load.commandsOk();
      await("load goes on after the drain").atMost(WAIT).until(() -> load.commandsOk() > after + 300);
      List<LoadRun.Result> results = load.stop();
      assertClean(results);
      report("scale 3→2, migration disabled", results, load.probes());

      assertThat(results.stream().mapToLong(LoadRun.Result::migrations).sum()).isZero();
      assertThat(pods(client, "off")).extracting(p -> p.getMetadata().getName()).doesNotContain(victim);
      for (FerrySession probe : load.probes()) {
        if (victim.equals(probeHome.get(probe))) {
          assertThatThrownBy(() -> probe.execute("WHOAMI"))
              .as("a session on the drained pod ends with a clear error")
              .isInstanceOf(SessionLostException.class)
              .satisfies(e -> System.out.printf("DRAIN-EVENT off probe error: %s%n", e.getMessage()));
        } else {
          assertThat(podOf(probe)).isEqualTo(probeHome.get(probe));
          assertThat(probe.migrations()).isZero();
        }
      }
      Event finished = onlyEvent(client, "off", "DrainFinished");
      assertThat(finished.getRelated().getName()).isEqualTo(victim);
      assertThat(finished.getNote()).contains("migration is disabled").contains("0 sessions left");
      assertThat(events(client, "off", "PodDeleted")).extracting(e -> e.getRelated().getName()).containsExactly(victim);
      assertThat(condition(client, "off", "MigrationDisabled").getStatus()).isEqualTo("True");
    }
  }

  @Test
  void aClientThatNeverReadsTimesTheDrainOutAndResumesOnItsNextCommand(KubernetesClient client) throws Exception {
    List<String> addresses = createReadyFleet(client, "idle", 3, 200, 5, 600);
    String victimAddress = addresses.get(2);
    String victim = podAt(client, "idle", victimAddress);
    try (ClientLoad load = ClientLoad.start(addresses.subList(0, 2), 20, List.of(), 0, true);
        ClientLoad idle = ClientLoad.start(List.of(), 0, List.of(victimAddress), 1, false)) {
      awaitWarm(load);
      FerrySession sleeper = idle.probes().get(0);
      assertThat(podOf(sleeper)).isEqualTo(victim);

      client.resources(ServerFleet.class).withName("idle").scale(2);
      awaitSettled(client, "idle", 2);
      Event timedOut = onlyEvent(client, "idle", "DrainTimedOut");
      assertThat(timedOut.getRelated().getName()).isEqualTo(victim);
      assertThat(timedOut.getNote()).contains("idle migration timer (5 s) closed them").contains("session idle timer (600 s)");
      assertThat(events(client, "idle", "PodDeleted")).extracting(e -> e.getRelated().getName()).containsExactly(victim);
      assertThat(events(client, "idle", "DrainFinished")).isEmpty();

      // The pod is gone; the client's next command finds the migration request and resumes from the store.
      String now = podOf(sleeper);
      assertThat(now).isNotEqualTo(victim).isIn(pods(client, "idle").stream().map(p -> p.getMetadata().getName()).toList());
      assertThat(sleeper.migrations()).isEqualTo(1);
      List<LoadRun.Result> results = load.stop();
      assertClean(results);
      report("scale 3→2, idle client not reading (timers 5/600)", results, idle.probes());
    }
  }

  private static List<String> createReadyFleet(KubernetesClient client, String name, int replicas, int rate) {
    return createReadyFleet(client, name, replicas, rate, 20, 600);
  }

  private static List<String> createReadyFleet(
      KubernetesClient client, String name, int replicas, int rate, int idleMigrationSeconds, int sessionIdleSeconds) {
    return FleetSupport.createReadyFleet(client, redis.uri(), name, replicas, rate, idleMigrationSeconds, sessionIdleSeconds);
  }
}
