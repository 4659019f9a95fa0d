package dev.ferry.operator.drain;

import static dev.ferry.operator.drain.DrainPlannerTest.fleet;
import static dev.ferry.operator.drain.DrainPlannerTest.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operator.admin.PodAdminStatus;
import dev.ferry.operator.model.RebalanceSpec;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.resources.RebalanceState;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RebalancePlannerTest {

    private static final String REV = "rev0000000";

    @Test
    void movesFromPodsAboveTheAverageOntoTheNewPodWithinTheRoundBudget() {
        ServerFleet fleet = rebalancing();
        List<Pod> pods =
                List.of(pod("a", REV, true, null), pod("b", REV, true, null), pending(pod("n", REV, true, null)));
        // 120 sessions over 3 pods: average 40; a is 30 above, b 10 above, n needs 40.
        FleetPods view = new FleetPods(pods, statuses(Map.of("a", 70L, "b", 50L, "n", 0L), Map.of()), REV);

        RebalancePlan plan = RebalancePlanner.plan(fleet, view, false, 12, null);

        assertThat(plan.step()).isEqualTo(RebalancePlan.Step.MOVE);
        assertThat(plan.average()).isEqualTo(40);
        assertThat(plan.total()).isEqualTo(12);
        assertThat(plan.moves()).containsOnlyKeys("a", "b");
        assertThat(plan.moves().get("a")).isGreaterThan(plan.moves().get("b"));
        assertThat(plan.targets()).containsExactly(DrainTargets.address(fleet, pods.get(2)));

        RebalancePlan big = RebalancePlanner.plan(fleet, view, false, 1000, null);
        assertThat(big.total()).as("never more than the new pod needs").isEqualTo(40);
        assertThat(big.moves()).containsEntry("a", 30).containsEntry("b", 10);
    }

    @Test
    void waitsForDrainsSettlingRoundsAndNewPodsThatDoNotServeYet() {
        ServerFleet fleet = rebalancing();
        List<Pod> pods =
                List.of(pod("a", REV, true, null), pod("b", REV, true, null), pending(pod("n", REV, true, null)));
        FleetPods view = new FleetPods(pods, statuses(Map.of("a", 60L, "b", 60L, "n", 0L), Map.of()), REV);
        assertThat(RebalancePlanner.plan(fleet, view, true, 10, null).step())
                .as("during a drain or rollout")
                .isEqualTo(RebalancePlan.Step.WAIT);

        FleetPods settling = new FleetPods(pods, statuses(Map.of("a", 60L, "b", 60L, "n", 0L), Map.of("a", 3L)), REV);
        assertThat(RebalancePlanner.plan(fleet, settling, false, 10, null)).satisfies(p -> {
            assertThat(p.step()).isEqualTo(RebalancePlan.Step.WAIT);
            assertThat(p.why()).contains("settling");
        });

        List<Pod> starting =
                List.of(pod("a", REV, true, null), pod("b", REV, true, null), pending(pod("n", REV, false, null)));
        assertThat(RebalancePlanner.plan(
                                fleet,
                                new FleetPods(starting, statuses(Map.of("a", 60L, "b", 60L), Map.of()), REV),
                                false,
                                10,
                                null)
                        .step())
                .isEqualTo(RebalancePlan.Step.WAIT);
    }

    @Test
    void plansTheNextRoundOnlyFromCountsReadAfterTheLastRoundWasAsked() {
        ServerFleet fleet = rebalancing();
        List<Pod> pods = List.of(
                pod("a", REV, true, null), pending(pod("b", REV, true, null)), pending(pod("c", REV, true, null)));
        Instant asked = Instant.parse("2026-12-06T12:00:00Z");
        // A poll sent just before the round: a still has all 60 and nothing in flight. Planning from it
        // would ask a for 40 more and empty it.
        Map<String, PodAdminStatus> before = statuses(Map.of("a", 60L, "b", 0L, "c", 0L), Map.of());
        Map<String, Instant> sentBefore =
                Map.of("a", asked.minusMillis(200), "b", asked.minusMillis(200), "c", asked.minusMillis(200));
        RebalancePlan stale =
                RebalancePlanner.plan(fleet, new FleetPods(pods, before, REV, Set.of(), sentBefore), false, 100, asked);
        assertThat(stale.step()).isEqualTo(RebalancePlan.Step.WAIT);
        assertThat(stale.why()).contains("since the last round");

        Map<String, PodAdminStatus> after = statuses(Map.of("a", 20L, "b", 20L, "c", 20L), Map.of());
        Map<String, Instant> sentAfter =
                Map.of("a", asked.plusMillis(1), "b", asked.plusMillis(1), "c", asked.plusMillis(1));
        assertThat(RebalancePlanner.plan(fleet, new FleetPods(pods, after, REV, Set.of(), sentAfter), false, 100, asked)
                        .step())
                .isEqualTo(RebalancePlan.Step.FINISHED);
        assertThat(RebalancePlanner.plan(
                        fleet, new FleetPods(pods, before, REV, Set.of(), sentAfter), false, 100, asked))
                .as("fresh counts that still show a far below: the next round")
                .satisfies(p -> {
                    assertThat(p.step()).isEqualTo(RebalancePlan.Step.MOVE);
                    assertThat(p.moves()).containsEntry("a", 40);
                });
    }

    @Test
    void finishesWithinTheBandAndWhenTurnedOffOrMigrationIsDisabled() {
        ServerFleet fleet = rebalancing();
        List<Pod> pods =
                List.of(pod("a", REV, true, null), pod("b", REV, true, null), pending(pod("n", REV, true, null)));
        FleetPods close = new FleetPods(pods, statuses(Map.of("a", 41L, "b", 41L, "n", 38L), Map.of()), REV);
        assertThat(RebalancePlanner.plan(fleet, close, false, 10, null).step()).isEqualTo(RebalancePlan.Step.FINISHED);

        FleetPods far = new FleetPods(pods, statuses(Map.of("a", 60L, "b", 60L, "n", 0L), Map.of()), REV);
        fleet.getSpec().getRebalance().setEnabled(false);
        assertThat(RebalancePlanner.plan(fleet, far, false, 10, null).step()).isEqualTo(RebalancePlan.Step.FINISHED);
        fleet.getSpec().getRebalance().setEnabled(true);
        fleet.getSpec().setIdleMigrationTimerSeconds(0);
        fleet.getSpec().setSessionIdleTimerSeconds(0);
        assertThat(RebalancePlanner.plan(fleet, far, false, 10, null).step()).isEqualTo(RebalancePlan.Step.FINISHED);
    }

    @Test
    void nothingToDoWithoutAPendingPod() {
        List<Pod> pods = List.of(pod("a", REV, true, null), pod("b", REV, true, null));
        FleetPods view = new FleetPods(pods, statuses(Map.of("a", 60L, "b", 0L), Map.of()), REV);
        assertThat(RebalancePlanner.plan(rebalancing(), view, false, 10, null).step())
                .isEqualTo(RebalancePlan.Step.NONE);
    }

    private static ServerFleet rebalancing() {
        ServerFleet fleet = fleet(3);
        RebalanceSpec rebalance = new RebalanceSpec();
        rebalance.setEnabled(true);
        fleet.getSpec().setRebalance(rebalance);
        return fleet;
    }

    private static Pod pending(Pod pod) {
        return new PodBuilder(pod)
                .editMetadata()
                .addToAnnotations(RebalanceState.ANNOTATION, RebalanceState.PENDING)
                .endMetadata()
                .build();
    }

    /** Sessions per pod, and sessions still migrating (state MIGRATING) per pod. */
    private static Map<String, PodAdminStatus> statuses(Map<String, Long> sessions, Map<String, Long> migrating) {
        Map<String, PodAdminStatus> out = new HashMap<>();
        sessions.forEach((pod, n) -> out.put(
                pod,
                new PodAdminStatus(
                        n,
                        migrating.containsKey(pod) ? Map.of("MIGRATING", migrating.get(pod)) : Map.of(),
                        true,
                        null,
                        0,
                        0,
                        0,
                        List.of())));
        return out;
    }
}
