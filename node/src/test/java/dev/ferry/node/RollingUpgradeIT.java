package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rolling upgrade by a new image: the fleet runs build 1 of the server image, its template is changed to build
 * 2 (a different image, which answers VERSION with "2"), and the operator replaces every pod while clients that
 * came in through the fleet's Service keep working. Every session ends on build 2, having moved exactly once.
 *
 * <p>The fleet advertises pod addresses, so a drain sends each client straight to a pod of the new revision. With
 * {@code advertise: Service} a client resumes through the Service, which selects only new pods once kube-proxy has
 * caught up; on a starved machine it had not always, and 10 of 60 sessions moved twice (none failed).
 *
 * <p>{@code kubectl wait --for=condition=Ready}, started the moment the new template is written, returns only once
 * the rollout is over: when it does, every pod left is a ready pod of the new image, and the condition describes the
 * new generation. Its lag behind the last old pod's deletion is logged.
 */
class RollingUpgradeIT extends FerryOnNode {

    private static final Logger log = LoggerFactory.getLogger(RollingUpgradeIT.class);
    private static final int SESSIONS = 60;

    @Test
    void aNewImageRollsOutWithoutAFailedCommandAndEverySessionMovesOnce() {
        NodeCluster cluster = cluster();
        String next = ServerImages.secondBuild(cluster, SERVER_IMAGE, "2");
        Fleet fleet = Fleet.apply(cluster, namespace, fleetManifest("upgrade", 3, SERVER_IMAGE, "Pod", 30));
        FleetStatus before = fleet.awaitSettled(3, SETTLE);
        fleet.awaitServiceRoutes(3, Duration.ofMinutes(1));

        try (CheckedSessions load = CheckedSessions.start(fleet.serviceAddress(), SESSIONS, Duration.ofMillis(20))) {
            load.awaitRounds(2, Duration.ofMinutes(1));
            log.info("before the upgrade: {} on revision {}", load.sessionsByPod(), before.updateRevision());

            Map<String, Instant> oldPodsDeleted = new ConcurrentHashMap<>();
            try (Watch deletions = watchDeletions(cluster, fleet, SERVER_IMAGE, oldPodsDeleted)) {
                fleet.setImage(next);
                Instant written = Instant.now();
                long generation = fleet.generation();
                Kubectl.Outcome wait = cluster.kubectl()
                        .attempt(
                                null,
                                SETTLE.plusMinutes(1),
                                "wait",
                                "-n",
                                namespace,
                                "--for=condition=Ready",
                                "serverfleet/" + fleet.name(),
                                "--timeout=" + SETTLE.toSeconds() + "s");
                Instant returned = Instant.now();
                List<Pod> atReturn = fleet.pods();
                assertThat(wait.exitCode()).as("kubectl wait: %s", wait.err()).isZero();
                assertThat(atReturn.stream()
                                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                                .toList())
                        .as("when kubectl wait returned, only ready pods of the new image are left")
                        .hasSize(3)
                        .allSatisfy(p -> {
                            assertThat(p.getSpec().getContainers().get(0).getImage())
                                    .isEqualTo(next);
                            assertThat(p.getStatus().getConditions())
                                    .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
                        });
                assertThat(fleet.status().conditionOf("Ready")).hasValueSatisfying(c -> {
                    assertThat(c.status()).isEqualTo("True");
                    assertThat(c.observedGeneration()).isEqualTo(generation);
                });
                assertThat(fleet.get().getMetadata().getGeneration()).isEqualTo(generation);
                assertThat(oldPodsDeleted)
                        .as("old pods deleted by the time Ready")
                        .hasSize(3);
                Instant rolloutEnd =
                        oldPodsDeleted.values().stream().max(Instant::compareTo).orElseThrow();
                log.info(
                        "kubectl wait --for=condition=Ready returned {} ms after the template was written, {} ms after"
                                + " the last old pod was deleted (old pods deleted at +{} ms)",
                        Duration.between(written, returned).toMillis(),
                        Duration.between(rolloutEnd, returned).toMillis(),
                        oldPodsDeleted.values().stream()
                                .map(at -> Duration.between(written, at).toMillis())
                                .sorted()
                                .toList());
            }
            FleetStatus after = fleet.awaitSettled(3, SETTLE);
            load.awaitRounds(2 + 3, Duration.ofMinutes(1)); // a few more rounds on the new pods
            CheckedSessions.Summary summary = load.stop(Duration.ofMinutes(2));
            log.info("rolling upgrade {} -> {}: {}", before.updateRevision(), after.updateRevision(), summary);

            assertThat(after.updateRevision()).isNotEqualTo(before.updateRevision());
            assertThat(fleet.pods())
                    .allSatisfy(
                            p -> assertThat(p.getSpec().getContainers().get(0).getImage())
                                    .isEqualTo(next));
            assertNothingFailed(summary);
            assertThat(summary.sessionsByVersion()).isEqualTo(Map.of("2", (long) SESSIONS));
            assertThat(summary.sessionsByMoves()).isEqualTo(Map.of(1, (long) SESSIONS));
        }
    }

    /** Records when each pod of {@code image} is first seen deleted (its deletionTimestamp set, or gone). */
    private static Watch watchDeletions(NodeCluster cluster, Fleet fleet, String image, Map<String, Instant> deleted) {
        return cluster.client()
                .pods()
                .inNamespace(fleet.namespace())
                .withLabel("ferry.dev/fleet", fleet.name())
                .watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, Pod pod) {
                        boolean old = image.equals(
                                pod.getSpec().getContainers().get(0).getImage());
                        boolean going =
                                action == Action.DELETED || pod.getMetadata().getDeletionTimestamp() != null;
                        if (old && going) {
                            deleted.putIfAbsent(pod.getMetadata().getName(), Instant.now());
                        }
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                        log.warn("pod watch closed: {}", cause.getMessage());
                    }
                });
    }
}
