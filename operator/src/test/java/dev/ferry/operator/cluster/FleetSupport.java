package dev.ferry.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.FerrySession;
import dev.ferry.client.tools.LoadRun;
import dev.ferry.controlplane.runtime.ReferenceServerLauncher;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/** What the fleet tests on the real API server share: ready fleets, settling, events, load checks. */
final class FleetSupport {

  static final Duration WAIT = Duration.ofMinutes(3);

  private FleetSupport() {}


  static String podAt(KubernetesClient client, String fleet, String address) {
    return pods(client, fleet).stream()
        .filter(p -> address.equals(p.getStatus().getPodIP() + ":7000"))
        .map(p -> p.getMetadata().getName())
        .findFirst()
        .orElseThrow();
  }

  static io.fabric8.kubernetes.api.model.Condition condition(KubernetesClient client, String fleet, String type) {
    return client.resources(ServerFleet.class).withName(fleet).get().getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow();
  }

  /** A fleet of the reference server on the test's redis; returns its pods' client addresses once all are ready. */

  static List<String> createReadyFleet(
      KubernetesClient client, String redisUri, String name, int replicas, int rate, int idleMigrationSeconds, int sessionIdleSeconds) {
    return createReadyFleet(client, redisUri, name, replicas, rate, idleMigrationSeconds, sessionIdleSeconds, f -> { });
  }

  /** As above, with {@code customize} applied to the fleet before it is created. */
  static List<String> createReadyFleet(
      KubernetesClient client,
      String redisUri,
      String name,
      int replicas,
      int rate,
      int idleMigrationSeconds,
      int sessionIdleSeconds,
      java.util.function.Consumer<ServerFleet> customize) {
    ServerFleet fleet = Fleets.valid(name, replicas);
    fleet.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(ReferenceServerLauncher.DEFAULT_IMAGE);
    fleet.getSpec().getContextStore().setUri(redisUri);
    fleet.getSpec().setIdleMigrationTimerSeconds(idleMigrationSeconds);
    fleet.getSpec().setSessionIdleTimerSeconds(sessionIdleSeconds);
    fleet.getSpec().setMigrationRatePerSecond(rate);
    customize.accept(fleet);
    client.resource(fleet).create();
    awaitSettled(client, name, replicas);
    return pods(client, name).stream().map(p -> p.getStatus().getPodIP() + ":7000").toList();
  }

  /** Waits until the fleet has exactly {@code replicas} ready pods of its current revision and nothing else. */
  static ServerFleetStatus awaitSettled(KubernetesClient client, String name, int replicas) {
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

  static void awaitWarm(ClientLoad load) {
    await("load running").atMost(WAIT).until(() -> load.commandsOk() > 500);
  }

  static void assertClean(List<LoadRun.Result> results) {
    for (LoadRun.Result r : results) {
      assertThat(r.commandsFailed()).as("failed commands: %s", r.toText()).isZero();
      assertThat(r.invariantViolations()).as("invariant violations: %s", r.toText()).isZero();
      assertThat(r.clean()).as(r.toText()).isTrue();
      assertThat(r.reconnects()).as(r.toText()).isZero();
    }
  }

  /** Every probe session still answers, from a pod other than {@code gone}. */
  static void assertProbesAnswer(List<FerrySession> probes, String gone) {
    for (FerrySession s : probes) {
      String whoami = s.execute("WHOAMI").firstText();
      assertThat(whoami).startsWith("pod=");
      if (gone != null) {
        assertThat(whoami).doesNotStartWith("pod=" + gone + " ");
      }
    }
  }

  static void report(String what, List<LoadRun.Result> results, List<FerrySession> probes) {
    long ok = results.stream().mapToLong(LoadRun.Result::commandsOk).sum();
    long failed = results.stream().mapToLong(LoadRun.Result::commandsFailed).sum();
    long migrations = results.stream().mapToLong(LoadRun.Result::migrations).sum();
    int sessions = results.stream().mapToInt(LoadRun.Result::sessions).sum();
    double pauseMax = results.stream().mapToDouble(LoadRun.Result::pauseMaxMillis).max().orElse(0);
    System.out.printf(
        "DRAIN-REPORT %s: %d load sessions + %d probes, commands ok %d failed %d, migrations %d (probes %d), pause max %.1f ms%n",
        what, sessions, probes.size(), ok, failed, migrations, probes.stream().mapToInt(FerrySession::migrations).sum(), pauseMax);
  }

  /** The pod a session is on, from its WHOAMI ("pod=NAME ..."). */
  static String podOf(FerrySession session) {
    String whoami = session.execute("WHOAMI").firstText();
    return whoami.substring("pod=".length()).split(" ")[0];
  }

  static String time(Event e) {
    return e.getEventTime() == null ? "" : e.getEventTime().getTime();
  }

  static List<Pod> pods(KubernetesClient client, String fleet) {
    return client.pods().withLabel("ferry.dev/fleet", fleet).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  static List<Event> events(KubernetesClient client, String fleet, String reason) {
    return client.events().v1().events().list().getItems().stream()
        .filter(e -> e.getRegarding() != null && fleet.equals(e.getRegarding().getName()))
        .filter(e -> reason.equals(e.getReason()))
        .toList();
  }

  static Event onlyEvent(KubernetesClient client, String fleet, String reason) {
    List<Event> found = events(client, fleet, reason);
    assertThat(found).as(reason + " events of " + fleet).hasSize(1);
    System.out.printf("DRAIN-EVENT %s %s: %s%n", fleet, reason, found.get(0).getNote());
    return found.get(0);
  }

  static List<String> eventReasons(KubernetesClient client, String fleet) {
    return client.events().v1().events().list().getItems().stream()
        .filter(e -> e.getRegarding() != null && fleet.equals(e.getRegarding().getName()))
        .map(Event::getReason)
        .toList();
  }
}
