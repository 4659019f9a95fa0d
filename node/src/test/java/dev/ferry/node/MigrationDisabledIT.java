package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Both timers 0 turn migration off: the fleet says so in its MigrationDisabled condition, and a scale-down closes
 * the sessions of the pod that goes (each gets a clear "server stopped" error) while every other session runs on,
 * unmoved. This is what clients of a fleet without Ferry's migration see, and the baseline the other scenarios
 * improve on.
 */
class MigrationDisabledIT extends FerryOnNode {

    private static final Logger log = LoggerFactory.getLogger(MigrationDisabledIT.class);
    private static final int BUSY = 20;
    private static final int ON_VICTIM = 5;

    @Test
    void aScaleDownClosesTheVictimsSessionsOnly() {
        NodeCluster cluster = cluster();
        Fleet fleet = Fleet.apply(cluster, namespace, fleetManifest("nomigration", 3, SERVER_IMAGE, "Pod", 0, 0, ""));
        FleetStatus settled = fleet.awaitSettled(3, SETTLE);
        assertThat(settled.conditionOf("MigrationDisabled")).hasValueSatisfying(c -> {
            assertThat(c.status()).isEqualTo("True");
            assertThat(c.reason()).isEqualTo("BothTimersZero");
        });

        // Two busy pods and one with a few sessions: the operator takes the pod with the fewest.
        List<Pod> pods = fleet.pods();
        String victim = pods.get(2).getMetadata().getName();
        try (CheckedSessions a = CheckedSessions.start(Fleet.podAddress(pods.get(0)), BUSY, Duration.ofMillis(20));
                CheckedSessions b = CheckedSessions.start(Fleet.podAddress(pods.get(1)), BUSY, Duration.ofMillis(20));
                CheckedSessions doomed =
                        CheckedSessions.start(Fleet.podAddress(pods.get(2)), ON_VICTIM, Duration.ofMillis(20))) {
            a.awaitRounds(2, Duration.ofMinutes(1));
            b.awaitRounds(2, Duration.ofMinutes(1));
            doomed.awaitRounds(2, Duration.ofMinutes(1));
            awaitSessionCounts(
                    fleet,
                    Map.of(
                            pods.get(0).getMetadata().getName(),
                            (long) BUSY,
                            pods.get(1).getMetadata().getName(),
                            (long) BUSY,
                            victim,
                            (long) ON_VICTIM));

            fleet.scale(2);
            fleet.awaitSettled(2, SETTLE);
            a.awaitRounds(6, Duration.ofMinutes(1));
            b.awaitRounds(6, Duration.ofMinutes(1));
            CheckedSessions.Summary busyA = a.stop(Duration.ofMinutes(2));
            CheckedSessions.Summary busyB = b.stop(Duration.ofMinutes(2));
            CheckedSessions.Summary closed = doomed.stop(Duration.ofMinutes(2));
            log.info("scale 3 -> 2 with migration disabled: busy {} / {}; on {}: {}", busyA, busyB, victim, closed);

            assertThat(fleet.pods()).extracting(p -> p.getMetadata().getName()).doesNotContain(victim);
            for (CheckedSessions.Summary busy : List.of(busyA, busyB)) {
                assertNothingFailed(busy);
                assertThat(busy.sessionsByMoves()).containsOnlyKeys(0);
            }
            assertThat(closed.sessionsLost())
                    .as("every session on the removed pod ends")
                    .isEqualTo(ON_VICTIM);
            assertThat(closed.lostByPod()).containsOnlyKeys(victim);
            assertThat(closed.sessionsByMoves()).containsOnlyKeys(0);
            assertThat(closed.failures())
                    .isNotEmpty()
                    .allSatisfy(f -> assertThat(f)
                            .as("a clear error: the server stopped and nothing was migrated")
                            .contains("SessionLostException")
                            .contains("GOODBYE(SHUTDOWN")
                            .contains("no migration in progress"));
        }

        List<Event> finished = fleet.events("DrainFinished");
        assertThat(finished).singleElement().satisfies(e -> {
            assertThat(e.getRelated().getName()).isEqualTo(victim);
            assertThat(e.getNote()).contains("migration is disabled").contains("0 sessions left");
        });
        assertThat(fleet.events("PodDeleted"))
                .extracting(e -> e.getRelated().getName())
                .containsExactly(victim);
        assertThat(fleet.status().conditionOf("MigrationDisabled"))
                .hasValueSatisfying(c -> assertThat(c.status()).isEqualTo("True"));
    }
}
