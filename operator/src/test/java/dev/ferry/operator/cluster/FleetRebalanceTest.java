package dev.ferry.operator.cluster;

import static dev.ferry.operator.cluster.FleetSupport.WAIT;
import static dev.ferry.operator.cluster.FleetSupport.assertClean;
import static dev.ferry.operator.cluster.FleetSupport.assertProbesAnswer;
import static dev.ferry.operator.cluster.FleetSupport.awaitSettled;
import static dev.ferry.operator.cluster.FleetSupport.awaitWarm;
import static dev.ferry.operator.cluster.FleetSupport.condition;
import static dev.ferry.operator.cluster.FleetSupport.createReadyFleet;
import static dev.ferry.operator.cluster.FleetSupport.events;
import static dev.ferry.operator.cluster.FleetSupport.onlyEvent;
import static dev.ferry.operator.cluster.FleetSupport.pods;
import static dev.ferry.operator.cluster.FleetSupport.report;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.FerrySession;
import dev.ferry.client.tools.LoadRun;
import dev.ferry.controlplane.ControlPlane;
import dev.ferry.controlplane.TestNamespace;
import dev.ferry.controlplane.WithControlPlane;
import dev.ferry.controlplane.runtime.LocalPodRuntime;
import dev.ferry.operator.admin.PodAdminClient;
import dev.ferry.operator.model.RebalanceSpec;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.resources.AdminTokenSecret;
import dev.ferry.testkit.RedisServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rebalance after a scale-up, on the real API server with real pods, Redis and clients: with
 * {@code spec.rebalance} on, sessions move from the loaded pods onto the new one, paced at the
 * configured rate, each at most once; without it the new pod gets none of the existing sessions.
 */
@WithControlPlane(controllerManager = true, scheduler = true)
class FleetRebalanceTest {

  private static final int SESSIONS_PER_POD = 30;
  private static final int PROBES_PER_POD = 3;
  private static final int RATE = 5;
  private static final Pattern ROUND = Pattern.compile("moving (\\d+) sessions");

  private static RedisServer redis;
  private static LocalPodRuntime runtime;
  private static KubernetesClient operatorClient;
  private static FleetOperator operator;

  @BeforeAll
  static void startEverything(ControlPlane cp, KubernetesClient client, TestNamespace ns) {
    ServerFleetCrd.install(client);
    redis = RedisServer.startDefault();
    runtime = LocalPodRuntime.builder(cp).nodes(3).nodeNamePrefix("rebalance-node").referenceServer()
        .heartbeatInterval(Duration.ofSeconds(2)).build();
    await("default ServiceAccount").atMost(WAIT).until(() -> client.serviceAccounts().withName("default").get() != null);
    operatorClient = OperatorRbac.grant(ns);
    operator = FleetOperator.start(operatorClient, ns.name());
  }

  @AfterEach
  void deleteFleets(KubernetesClient client) {
    client.resources(ServerFleet.class).delete();
    // Not left to the garbage collector, whose discovery of the CRD may lag by 30 s.
    client.pods().withLabel("ferry.dev/fleet").delete();
    await("fleet pods gone").atMost(WAIT).until(() -> client.pods().withLabel("ferry.dev/fleet").list().getItems().isEmpty());
  }

  @AfterAll
  static void stopEverything() {
    if (operator != null) {
      operator.close();
    }
    if (runtime != null) {
      runtime.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void afterAScaleUpSessionsMoveOntoTheNewPodOnceEach(KubernetesClient client) throws Exception {
    List<String> addresses = createReadyFleet(client, redis.uri(), "rb", 2, 200, 20, 600, f -> {
      RebalanceSpec rebalance = new RebalanceSpec();
      rebalance.setEnabled(true);
      rebalance.setRatePerSecond(RATE);
      f.getSpec().setRebalance(rebalance);
    });
    List<String> before = pods(client, "rb").stream().map(p -> p.getMetadata().getName()).toList();
    assertThat(condition(client, "rb", "Rebalancing").getStatus()).isEqualTo("False");
    try (ClientLoad load = ClientLoad.start(addresses, SESSIONS_PER_POD, PROBES_PER_POD)) {
      awaitWarm(load);

      client.resources(ServerFleet.class).withName("rb").scale(3);
      await("rebalance reported in progress").atMost(WAIT).pollInterval(Duration.ofMillis(100))
          .until(() -> "True".equals(condition(client, "rb", "Rebalancing").getStatus()));
      awaitSettled(client, "rb", 3);
      await("rebalance finished").atMost(WAIT).pollInterval(Duration.ofMillis(200))
          .until(() -> !events(client, "rb", "RebalanceFinished").isEmpty()
              && "False".equals(condition(client, "rb", "Rebalancing").getStatus()));
      Pod added = pods(client, "rb").stream().filter(p -> !before.contains(p.getMetadata().getName())).findFirst().orElseThrow();
      long onNewPod = sessions(client, "rb", added);
      long total = 2L * (SESSIONS_PER_POD + PROBES_PER_POD);
      long average = total / 3;
      long after = load.commandsOk();
      await("load goes on after the rebalance").atMost(WAIT).until(() -> load.commandsOk() > after + 300);
      List<LoadRun.Result> results = load.stop();
      assertClean(results);
      report("scale 2→3 with rebalance at " + RATE + "/s", results, load.probes());

      System.out.printf("REBALANCE-REPORT new pod %s holds %d sessions, fleet average %d%n", added.getMetadata().getName(), onNewPod, average);
      assertThat(onNewPod).as("the new pod near the fleet average").isBetween(average * 6 / 10, average * 14 / 10);
      // Only moved sessions reach the new pod (clients connect to the old pods' addresses): as many
      // migrations as sessions on it means no session moved twice.
      long migrations = results.stream().mapToLong(LoadRun.Result::migrations).sum()
          + load.probes().stream().mapToInt(FerrySession::migrations).sum();
      assertThat(migrations).isEqualTo(onNewPod);
      assertThat(load.probes()).allSatisfy(s -> assertThat(s.migrations()).isLessThanOrEqualTo(1));
      assertProbesAnswer(load.probes(), null);

      List<Event> rounds = events(client, "rb", "RebalanceStep");
      rounds.forEach(e -> System.out.printf("REBALANCE-EVENT RebalanceStep: %s%n", e.getNote()));
      assertThat(rounds).as("spread over rounds at %d sessions/s", RATE).hasSizeGreaterThanOrEqualTo(2)
          .allSatisfy(e -> assertThat(roundSize(e)).isBetween(1, RATE));
      assertThat(rounds.stream().mapToInt(FleetRebalanceTest::roundSize).sum()).isEqualTo((int) migrations);
      assertThat(onlyEvent(client, "rb", "RebalanceFinished").getNote()).contains(added.getMetadata().getName());
      assertThat(condition(client, "rb", "Rebalancing").getReason()).isEqualTo("Balanced");
    }
  }

  @Test
  void withoutRebalanceTheNewPodGetsNoExistingSession(KubernetesClient client) throws Exception {
    List<String> addresses = createReadyFleet(client, redis.uri(), "plain", 2, 200, 20, 600);
    List<String> before = pods(client, "plain").stream().map(p -> p.getMetadata().getName()).toList();
    try (ClientLoad load = ClientLoad.start(addresses, SESSIONS_PER_POD, PROBES_PER_POD)) {
      awaitWarm(load);
      client.resources(ServerFleet.class).withName("plain").scale(3);
      awaitSettled(client, "plain", 3);
      long after = load.commandsOk();
      await("load goes on after the scale-up").atMost(WAIT).until(() -> load.commandsOk() > after + 1000);
      Pod added = pods(client, "plain").stream().filter(p -> !before.contains(p.getMetadata().getName())).findFirst().orElseThrow();
      assertThat(sessions(client, "plain", added)).isZero();
      List<LoadRun.Result> results = load.stop();
      assertClean(results);
      report("scale 2→3 without rebalance", results, load.probes());
      assertThat(results.stream().mapToLong(LoadRun.Result::migrations).sum()).isZero();
      assertThat(events(client, "plain", "RebalanceStep")).isEmpty();
      assertThat(client.resources(ServerFleet.class).withName("plain").get().getStatus().getConditions())
          .noneMatch(c -> "Rebalancing".equals(c.getType()));
    }
  }

  /** The pod's session count from its own admin API. */
  private static long sessions(KubernetesClient client, String fleet, Pod pod) {
    String token = AdminTokenSecret.token(client.secrets().withName(fleet + "-admin-token").get()).orElseThrow();
    return new PodAdminClient(token, 7001).status(pod.getStatus().getPodIP()).join().sessions();
  }

  private static int roundSize(Event e) {
    Matcher m = ROUND.matcher(e.getNote());
    assertThat(m.find()).as(e.getNote()).isTrue();
    return Integer.parseInt(m.group(1));
  }
}
