package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.events.v1.Event;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebalance after a scale-up: with {@code spec.rebalance} on, sessions move from the loaded pods onto the new one,
 * in rounds paced at the configured rate, each session at most once, until the new pod holds about the fleet's
 * average; without it the new pod gets none of the existing sessions and nobody moves.
 */
class RebalanceIT extends FerryOnNode {

    private static final Logger log = LoggerFactory.getLogger(RebalanceIT.class);
    private static final int SESSIONS = 60;
    private static final int RATE = 5;
    private static final Pattern ROUND = Pattern.compile("moving (\\d+) sessions");

    @Test
    void afterAScaleUpSessionsMoveOntoTheNewPodOnceEachAtTheConfiguredRate() {
        Fleet fleet = twoPodFleet("rb", "  rebalance:\n    enabled: true\n    ratePerSecond: " + RATE + "\n");
        assertThat(fleet.status().conditionOf("Rebalancing"))
                .hasValueSatisfying(c -> assertThat(c.status()).isEqualTo("False"));
        Set<String> before = podNames(fleet);
        try (CheckedSessions load = CheckedSessions.start(fleet.serviceAddress(), SESSIONS, Duration.ofMillis(20))) {
            load.awaitRounds(2, Duration.ofMinutes(1));

            fleet.scale(3);
            fleet.awaitSettled(3, SETTLE);
            NodeCluster.await(
                    "rebalance finished",
                    SETTLE,
                    () -> !fleet.events("RebalanceFinished").isEmpty()
                            && fleet.status()
                                    .conditionOf("Rebalancing")
                                    .map(c -> "False".equals(c.status()))
                                    .orElse(false));
            String added = newPod(fleet, before);
            load.awaitRounds(load.roundsDone() + 3, Duration.ofMinutes(1));
            CheckedSessions.Summary summary = load.stop(Duration.ofMinutes(2));
            log.info("scale 2 -> 3 with rebalance at {}/s: {}", RATE, summary);

            assertNothingFailed(summary);
            long onNewPod = summary.sessionsByPod().getOrDefault(added, 0L);
            long average = SESSIONS / 3;
            assertThat(onNewPod)
                    .as("the new pod near the fleet average")
                    .isBetween(average * 6 / 10, average * 14 / 10);
            // Every session connected before the scale-up, so only moved sessions are on the new pod.
            assertThat(summary.moves()).isEqualTo(onNewPod);
            assertThat(summary.sessionsByMoves().keySet()).isSubsetOf(0, 1);

            List<Event> rounds = fleet.events("RebalanceStep");
            rounds.forEach(e -> log.info("RebalanceStep: {}", e.getNote()));
            assertThat(rounds)
                    .as("spread over rounds at %d sessions/s", RATE)
                    .hasSizeGreaterThanOrEqualTo(2)
                    .allSatisfy(e -> assertThat(roundSize(e)).isBetween(1, RATE));
            assertThat(rounds.stream().mapToInt(RebalanceIT::roundSize).sum()).isEqualTo((int) summary.moves());
            assertThat(fleet.events("RebalanceFinished"))
                    .singleElement()
                    .satisfies(e -> assertThat(e.getNote()).contains(added));
            assertThat(fleet.status().conditionOf("Rebalancing"))
                    .hasValueSatisfying(c -> assertThat(c.reason()).isEqualTo("Balanced"));
        }
    }

    @Test
    void withoutRebalanceTheNewPodGetsNoExistingSession() {
        Fleet fleet = twoPodFleet("plain", "");
        Set<String> before = podNames(fleet);
        try (CheckedSessions load = CheckedSessions.start(fleet.serviceAddress(), SESSIONS, Duration.ofMillis(20))) {
            load.awaitRounds(2, Duration.ofMinutes(1));
            fleet.scale(3);
            fleet.awaitSettled(3, SETTLE);
            String added = newPod(fleet, before);
            // Rounds of traffic with the new pod serving: a rebalance, were one started, would move sessions then.
            load.awaitRounds(load.roundsDone() + 5, Duration.ofMinutes(1));
            CheckedSessions.Summary summary = load.stop(Duration.ofMinutes(2));
            log.info("scale 2 -> 3 without rebalance: {}", summary);

            assertNothingFailed(summary);
            assertThat(summary.sessionsByPod()).doesNotContainKey(added);
            assertThat(summary.sessionsByMoves()).containsOnlyKeys(0);
            assertThat(fleet.events("RebalanceStep")).isEmpty();
            assertThat(fleet.status().conditionOf("Rebalancing")).isEmpty();
        }
    }

    private Fleet twoPodFleet(String name, String extraSpec) {
        Fleet fleet =
                Fleet.apply(cluster(), namespace, fleetManifest(name, 2, SERVER_IMAGE, "Pod", 20, 600, extraSpec));
        fleet.awaitSettled(2, SETTLE);
        fleet.awaitServiceRoutes(2, Duration.ofMinutes(1));
        return fleet;
    }

    private static Set<String> podNames(Fleet fleet) {
        return new HashSet<>(
                fleet.pods().stream().map(p -> p.getMetadata().getName()).toList());
    }

    private static String newPod(Fleet fleet, Set<String> before) {
        List<String> added = fleet.pods().stream()
                .map(p -> p.getMetadata().getName())
                .filter(n -> !before.contains(n))
                .toList();
        assertThat(added).as("pods added by the scale-up").hasSize(1);
        return added.get(0);
    }

    private static int roundSize(Event e) {
        Matcher m = ROUND.matcher(e.getNote());
        assertThat(m.find()).as(e.getNote()).isTrue();
        return Integer.parseInt(m.group(1));
    }
}
