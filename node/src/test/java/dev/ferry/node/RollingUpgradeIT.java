package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
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

            fleet.setImage(next);
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
}
