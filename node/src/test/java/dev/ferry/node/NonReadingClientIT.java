package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client that does not read ahead and sits idle never sees its migration request while the drain waits: the idle
 * migration timer (5 s here) runs out, the source closes the connection and the operator deletes the pod, saying so
 * in a DrainTimedOut event. The exported context stays in the store for the session idle timer (600 s), so the
 * client's next command finds the request, resumes on a peer and gets its answer, with the session's state intact.
 */
class NonReadingClientIT extends FerryOnNode {

    private static final Logger log = LoggerFactory.getLogger(NonReadingClientIT.class);
    private static final int BUSY = 20;

    @Test
    void theDrainTimesOutAndTheClientResumesOnItsNextCommand() {
        NodeCluster cluster = cluster();
        Fleet fleet = Fleet.apply(cluster, namespace, fleetManifest("lazy", 3, SERVER_IMAGE, "Pod", 5, 600, ""));
        fleet.awaitSettled(3, SETTLE);
        List<Pod> pods = fleet.pods();
        String victim = pods.get(2).getMetadata().getName();

        ClientOptions sleeperOptions = ClientOptions.builder()
                .serviceAddress(Fleet.podAddress(pods.get(2)))
                .readAhead(false)
                .clientName("ferry-node-sleeper")
                .commandTimeout(Duration.ofSeconds(60))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        try (CheckedSessions a = CheckedSessions.start(Fleet.podAddress(pods.get(0)), BUSY, Duration.ofMillis(20));
                CheckedSessions b = CheckedSessions.start(Fleet.podAddress(pods.get(1)), BUSY, Duration.ofMillis(20));
                FerryClient sleepers = FerryClient.create(sleeperOptions)) {
            FerrySession sleeper = sleepers.connect();
            assertThat(sleeper.execute("SET k kept while asleep").firstText()).isEqualTo("OK");
            assertThat(sleeper.serverName()).isEqualTo(victim);
            a.awaitRounds(2, Duration.ofMinutes(1));
            b.awaitRounds(2, Duration.ofMinutes(1));
            awaitSessionCounts(
                    fleet,
                    Map.of(
                            pods.get(0).getMetadata().getName(),
                            (long) BUSY,
                            pods.get(1).getMetadata().getName(),
                            (long) BUSY,
                            victim,
                            1L));

            fleet.scale(2);
            fleet.awaitSettled(2, SETTLE);
            assertThat(fleet.pods()).extracting(p -> p.getMetadata().getName()).doesNotContain(victim);
            assertThat(fleet.events("DrainTimedOut")).singleElement().satisfies(e -> {
                assertThat(e.getRelated().getName()).isEqualTo(victim);
                assertThat(e.getNote())
                        .contains("idle migration timer (5 s) closed them")
                        .contains("session idle timer (600 s)");
            });
            assertThat(fleet.events("PodDeleted"))
                    .extracting(e -> e.getRelated().getName())
                    .containsExactly(victim);
            assertThat(fleet.events("DrainFinished")).isEmpty();

            // The pod is gone; the next command reads the request, resumes from the store and runs there.
            assertThat(sleeper.execute("GET k").firstText()).isEqualTo("kept while asleep");
            assertThat(sleeper.migrations()).isEqualTo(1);
            assertThat(sleeper.serverName())
                    .isIn(fleet.pods().stream()
                            .map(p -> p.getMetadata().getName())
                            .toList());

            a.awaitRounds(6, Duration.ofMinutes(1));
            b.awaitRounds(6, Duration.ofMinutes(1));
            for (CheckedSessions busy : List.of(a, b)) {
                CheckedSessions.Summary summary = busy.stop(Duration.ofMinutes(2));
                log.info("busy sessions during the timed-out drain: {}", summary);
                assertNothingFailed(summary);
                assertThat(summary.sessionsByMoves()).containsOnlyKeys(0);
            }
            log.info("the sleeper resumed on {} after the drain of {} timed out", sleeper.serverName(), victim);
        }
    }
}
