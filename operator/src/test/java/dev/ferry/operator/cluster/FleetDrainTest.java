package dev.ferry.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.FerrySession;
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

  private static final Duration WAIT = Duration.ofMinutes(3);
  private static final int SESSIONS_PER_POD = 33;
  private static final int PROBES_PER_POD = 5;

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
  void stopOperator() {
    if (operator != null) {
      operator.close();
    }
  }

  @Test
  void scaleDownUnderLoadMovesEverySessionBeforeThePodGoes(KubernetesClient client) throws Exception {
    List<String> addresses = createReadyFleet(client, "sd", 3, 200);
    try (ClientLoad load = ClientLoad.start(addresses, SESSIONS_PER_POD, PROBES_PER_POD)) {
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
      report("scale 3→2", results, load.probes());

      Event finished = onlyEvent(client, "sd", "DrainFinished");
      assertThat(finished.getNote()).contains("0 sessions left").contains("ScaleDown");
      Event started = onlyEvent(client, "sd", "DrainStarted");
      assertThat(started.getNote()).containsPattern("ScaleDown\\): [1-9][0-9]* sessions to ");
      String victim = finished.getRelated().getName();
      assertThat(status.getPods()).extracting(p -> p.getName()).doesNotContain(victim).hasSize(2);
      assertThat(eventReasons(client, "sd")).contains("DrainRequested", "DrainStarted", "DrainFinished", "PodDeleted");
      long migrated = results.stream().mapToLong(LoadRun.Result::migrations).sum();
      assertThat(migrated).as("the victim's load sessions moved").isEqualTo(SESSIONS_PER_POD);
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
      operator.close();
      operator = null;
      assertThat(client.pods().withName(draining.getMetadata().getName()).get()).as("still there, draining").isNotNull();

      operator = FleetOperator.start(operatorClient, ns.name());
      ServerFleetStatus status = awaitSettled(client, "rs", 2);
      assertThat(status.getPods()).extracting(p -> p.getName()).doesNotContain(draining.getMetadata().getName());
      List<LoadRun.Result> results = load.stop();
      assertClean(results);
      report("operator restart mid-drain", results, load.probes());
      assertThat(onlyEvent(client, "rs", "DrainStarted").getRelated().getName()).isEqualTo(draining.getMetadata().getName());
      assertThat(onlyEvent(client, "rs", "DrainFinished").getNote()).contains("0 sessions left");
      assertThat(results.stream().mapToLong(LoadRun.Result::migrations).sum()).isEqualTo(SESSIONS_PER_POD);
      assertProbesAnswer(load.probes(), draining.getMetadata().getName());
    }
  }

  // ------------------------------------------------------------------ helpers

  /** A fleet of the reference server on the test's redis; returns its pods' client addresses once all are ready. */
  private static List<String> createReadyFleet(KubernetesClient client, String name, int replicas, int rate) {
    ServerFleet fleet = Fleets.valid(name, replicas);
    fleet.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(ReferenceServerLauncher.DEFAULT_IMAGE);
    fleet.getSpec().getContextStore().setUri(redis.uri());
    fleet.getSpec().setIdleMigrationTimerSeconds(20);
    fleet.getSpec().setMigrationRatePerSecond(rate);
    client.resource(fleet).create();
    awaitSettled(client, name, replicas);
    return pods(client, name).stream().map(p -> p.getStatus().getPodIP() + ":7000").toList();
  }

  /** Waits until the fleet has exactly {@code replicas} ready pods of its current revision and nothing else. */
  private static ServerFleetStatus awaitSettled(KubernetesClient client, String name, int replicas) {
    Predicate<ServerFleetStatus> settled =
        s -> s.getReadyReplicas() != null && s.getReadyReplicas() == replicas
            && s.getReplicas() == replicas
            && s.getUpdatedReplicas() == replicas
            && s.getPods().size() == replicas
            && s.getPods().stream().allMatch(p -> p.getPhase() == dev.ferry.operator.model.FleetPodPhase.Serving);
    await(name + " settled at " + replicas).atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
      ServerFleet f = client.resources(ServerFleet.class).withName(name).get();
      return f.getStatus() != null
          && f.getMetadata().getGeneration().equals(f.getStatus().getObservedGeneration())
          && settled.test(f.getStatus())
          && pods(client, name).size() == replicas
          && client.pods().withLabel("ferry.dev/fleet", name).list().getItems().size() == replicas;
    });
    return client.resources(ServerFleet.class).withName(name).get().getStatus();
  }

  private static void awaitWarm(ClientLoad load) {
    await("load running").atMost(WAIT).until(() -> load.commandsOk() > 500);
  }

  private static void assertClean(List<LoadRun.Result> results) {
    for (LoadRun.Result r : results) {
      assertThat(r.commandsFailed()).as("failed commands: %s", r.toText()).isZero();
      assertThat(r.invariantViolations()).as("invariant violations: %s", r.toText()).isZero();
      assertThat(r.clean()).as(r.toText()).isTrue();
      assertThat(r.reconnects()).as(r.toText()).isZero();
    }
  }

  /** Every probe session still answers, from a pod other than {@code gone}. */
  private static void assertProbesAnswer(List<FerrySession> probes, String gone) {
    for (FerrySession s : probes) {
      String whoami = s.execute("WHOAMI").firstText();
      assertThat(whoami).startsWith("pod=");
      if (gone != null) {
        assertThat(whoami).doesNotStartWith("pod=" + gone + " ");
      }
    }
  }

  private static void report(String what, List<LoadRun.Result> results, List<FerrySession> probes) {
    long ok = results.stream().mapToLong(LoadRun.Result::commandsOk).sum();
    long failed = results.stream().mapToLong(LoadRun.Result::commandsFailed).sum();
    long migrations = results.stream().mapToLong(LoadRun.Result::migrations).sum();
    int sessions = results.stream().mapToInt(LoadRun.Result::sessions).sum();
    double pauseMax = results.stream().mapToDouble(LoadRun.Result::pauseMaxMillis).max().orElse(0);
    System.out.printf(
        "DRAIN-REPORT %s: %d load sessions + %d probes, commands ok %d failed %d, migrations %d (probes %d), pause max %.1f ms%n",
        what, sessions, probes.size(), ok, failed, migrations, probes.stream().mapToInt(FerrySession::migrations).sum(), pauseMax);
  }

  private static List<Pod> pods(KubernetesClient client, String fleet) {
    return client.pods().withLabel("ferry.dev/fleet", fleet).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  private static List<Event> events(KubernetesClient client, String fleet, String reason) {
    return client.events().v1().events().list().getItems().stream()
        .filter(e -> e.getRegarding() != null && fleet.equals(e.getRegarding().getName()))
        .filter(e -> reason.equals(e.getReason()))
        .toList();
  }

  private static Event onlyEvent(KubernetesClient client, String fleet, String reason) {
    List<Event> found = events(client, fleet, reason);
    assertThat(found).as(reason + " events of " + fleet).hasSize(1);
    System.out.printf("DRAIN-EVENT %s %s: %s%n", fleet, reason, found.get(0).getNote());
    return found.get(0);
  }

  private static List<String> eventReasons(KubernetesClient client, String fleet) {
    return client.events().v1().events().list().getItems().stream()
        .filter(e -> e.getRegarding() != null && fleet.equals(e.getRegarding().getName()))
        .map(Event::getReason)
        .toList();
  }
}
