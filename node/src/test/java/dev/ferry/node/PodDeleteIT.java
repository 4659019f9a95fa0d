package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kubectl delete pod} of a serving pod: the kubelet sends SIGTERM, the server drains its sessions to its
 * peers within the grace period, and the operator replaces the pod. Nobody's command fails.
 */
class PodDeleteIT extends FerryOnNode {

    private static final Logger log = LoggerFactory.getLogger(PodDeleteIT.class);
    private static final int SESSIONS = 45;

    @Test
    void aDeletedPodDrainsItselfWithinItsGracePeriod() {
        NodeCluster cluster = cluster();
        Fleet fleet = Fleet.apply(cluster, namespace, fleetManifest("deleted", 3, SERVER_IMAGE, "Pod", 30));
        fleet.awaitSettled(3, SETTLE);
        fleet.awaitServiceRoutes(3, Duration.ofMinutes(1));

        try (CheckedSessions load = CheckedSessions.start(fleet.serviceAddress(), SESSIONS, Duration.ofMillis(20))) {
            load.awaitRounds(2, Duration.ofMinutes(1));
            Map<String, Long> before = load.sessionsByPod();
            String victim = before.entrySet().stream()
                    .max(Map.Entry.comparingByValue())
                    .orElseThrow()
                    .getKey();
            log.info("sessions per pod: {}; deleting {}", before, victim);

            cluster.kubectl().run("delete", "pod", "-n", namespace, victim, "--wait=true", "--timeout=120s");
            NodeCluster.await(
                    "the sessions of " + victim + " on other pods",
                    Duration.ofMinutes(1),
                    () -> !load.sessionsByPod().containsKey(victim));
            fleet.awaitSettled(3, SETTLE);
            load.awaitRounds(8, Duration.ofMinutes(1));
            CheckedSessions.Summary summary = load.stop(Duration.ofMinutes(2));
            log.info("after deleting {}: {}", victim, summary);

            assertNothingFailed(summary);
            assertThat(summary.sessionsByMoves().getOrDefault(1, 0L)).isEqualTo(before.get(victim));
            assertThat(summary.sessionsByMoves().keySet()).isSubsetOf(0, 1);
            assertThat(fleet.pods())
                    .extracting(p -> p.getMetadata().getName())
                    .doesNotContain(victim)
                    .hasSize(3);
        }
    }
}
