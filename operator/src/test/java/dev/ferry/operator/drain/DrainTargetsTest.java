package dev.ferry.operator.drain;

import static dev.ferry.operator.drain.DrainPlannerTest.fleet;
import static dev.ferry.operator.drain.DrainPlannerTest.pod;
import static dev.ferry.operator.drain.DrainPlannerTest.sessions;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.resources.DrainReason;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DrainTargetsTest {

    private static final String NEW = "new0000000";
    private static final String OLD = "old0000000";

    @Test
    void aRolloutWithMaxSurgeOneEndsEvenWhenEachOldPodGoesToTheEmptiestNewPods() {
        ServerFleet fleet = fleet(3);
        Pod a = pod("a", OLD, true, null);
        Pod b = pod("b", OLD, true, null);
        Pod n1 = pod("n1", NEW, true, null);
        Pod n2 = pod("n2", NEW, true, null);

        // Second step: n1 took all of the first old pod's 1000 sessions, n2 is new and empty.
        FleetPods view = new FleetPods(
                List.of(a, b, n1, n2), sessions(Map.of("a", 1000L, "b", 1000L, "n1", 1000L, "n2", 0L)), NEW);
        assertThat(DrainTargets.forDrain(fleet, view, a, DrainReason.Rollout))
                .as("only the empty new pod: sending half to n1 would leave 1500/500")
                .containsExactly(DrainTargets.address(fleet, n2));
    }

    @Test
    void aScaleDownOfEvenPodsSpreadsOverAllOfThem() {
        ServerFleet fleet = fleet(2);
        Pod a = pod("a", OLD, true, null);
        Pod b = pod("b", OLD, true, null);
        Pod c = pod("c", OLD, true, null);
        FleetPods view = new FleetPods(List.of(a, b, c), sessions(Map.of("a", 1000L, "b", 1000L, "c", 990L)), OLD);
        assertThat(DrainTargets.forDrain(fleet, view, c, DrainReason.ScaleDown)).hasSize(2);
    }

    @Test
    void unknownCountsKeepEveryCandidate() {
        assertThat(DrainTargets.evenedOutCount(new long[] {0, 5, 7}, -1)).isEqualTo(3);
        assertThat(DrainTargets.evenedOutCount(new long[] {-1, 5, 7}, 10)).isEqualTo(3);
        assertThat(DrainTargets.evenedOutCount(new long[] {}, 10)).isZero();
    }

    @Test
    void theChosenTargetsAreExactlyThoseBelowTheFilledLevel() {
        Random random = new Random(42);
        for (int run = 0; run < 10_000; run++) {
            long[] loads = random.longs(1 + random.nextInt(8), 0, 2000).sorted().toArray();
            long incoming = random.nextInt(3000);
            int k = DrainTargets.evenedOutCount(loads, incoming);
            String where = Arrays.toString(loads) + " + " + incoming;
            assertThat(k).as(where).isBetween(1, loads.length);
            long chosen = Arrays.stream(loads).limit(k).sum();
            // The level the chosen ones reach (as a fraction: (chosen + incoming) / k).
            if (k < loads.length) {
                assertThat(chosen + incoming)
                        .as("the next pod is already at or above the level: %s", where)
                        .isLessThanOrEqualTo(loads[k] * k);
            }
            // Every chosen pod is below the level that fewer pods would have reached, so dropping one
            // would leave it emptier than the rest after the move.
            long withoutLast = chosen - loads[k - 1];
            if (k > 1) {
                assertThat(withoutLast + incoming)
                        .as("the last chosen pod is needed: %s", where)
                        .isGreaterThan(loads[k - 1] * (k - 1));
            }
        }
    }
}
