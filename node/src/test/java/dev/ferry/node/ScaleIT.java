package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * deploy/examples/basic-fleet.yaml as it is, scaled with kubectl: clients come in through the Service's cluster DNS
 * name, the fleet advertises pod addresses (its default), so the sessions of the pod that goes move straight to a
 * peer's pod IP. Scale 3 -> 2 moves exactly those sessions, once; scale 2 -> 3 moves nobody.
 */
class ScaleIT extends FerryOnNode {

    private static final Logger log = LoggerFactory.getLogger(ScaleIT.class);
    private static final int SESSIONS = 60;

    @Test
    void kubectlScaleDownMovesTheRemovedPodsSessionsOnceAndScaleUpMovesNobody() throws Exception {
        NodeCluster cluster = cluster();
        String manifest = Files.readString(cluster.repo().resolve("deploy/examples/basic-fleet.yaml"));
        Fleet fleet = Fleet.apply(cluster, namespace, manifest);
        fleet.awaitSettled(3, SETTLE);
        fleet.awaitServiceRoutes(3, Duration.ofMinutes(1));

        try (CheckedSessions load = CheckedSessions.start(fleet.serviceDnsAddress(), SESSIONS, Duration.ofMillis(20))) {
            load.awaitRounds(2, Duration.ofMinutes(1));
            Map<String, Long> before = load.sessionsByPod();
            Set<String> podsBefore = Set.copyOf(fleet.status().sessionsByPod().keySet());
            log.info("sessions per pod before scaling down: {}", before);

            fleet.scale(2);
            FleetStatus down = fleet.awaitSettled(2, SETTLE);
            Set<String> removed = new HashSet<>(podsBefore);
            removed.removeAll(down.sessionsByPod().keySet());
            assertThat(removed).hasSize(1);
            long onRemoved = before.getOrDefault(removed.iterator().next(), 0L);
            log.info(
                    "scaled to 2: removed {} which held {} sessions; now {}", removed, onRemoved, load.sessionsByPod());

            fleet.scale(3);
            fleet.awaitSettled(3, SETTLE);
            load.awaitRounds(8, Duration.ofMinutes(1));
            CheckedSessions.Summary summary = load.stop(Duration.ofMinutes(2));
            log.info("scale 3 -> 2 -> 3: {}", summary);

            assertNothingFailed(summary);
            assertThat(summary.sessionsByMoves().getOrDefault(1, 0L)).isEqualTo(onRemoved);
            assertThat(summary.sessionsByMoves().keySet()).isSubsetOf(0, 1);
            assertThat(summary.sessionsByPod().keySet()).doesNotContainAnyElementsOf(removed);
        }
    }
}
