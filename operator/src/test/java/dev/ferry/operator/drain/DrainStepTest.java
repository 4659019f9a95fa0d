package dev.ferry.operator.drain;

import static dev.ferry.operator.drain.DrainPlannerTest.fleet;
import static dev.ferry.operator.drain.DrainPlannerTest.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operator.admin.PodAdminStatus;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.resources.DrainReason;
import dev.ferry.operator.resources.DrainRecord;
import dev.ferry.operator.resources.DrainState;
import dev.ferry.operator.resources.EvictionRequest;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DrainStepTest {

    private static final String REV = "rev0000000";
    private static final Instant T0 = Instant.parse("2026-12-06T06:30:00Z");

    private final ServerFleet fleet = fleet(1);
    private final Pod victim = pod("old", REV, true, DrainState.Requested);
    private final Pod peer = pod("peer", REV, true, null);

    @Test
    void aRequestedPodWithSessionsStartsWithItsCountersRecorded() {
        FleetPods pods = pods(Map.of("old", status(12, 4, 3, 1, 0), "peer", status(0, 0, 0, 0, 0)));

        DrainStep step = DrainStep.next(fleet, pods, victim, DrainRecord.requested(DrainReason.ScaleDown, T0), T0);

        assertThat(step).isInstanceOfSatisfying(DrainStep.Start.class, start -> {
            assertThat(start.targets()).hasSize(1);
            assertThat(start.sessions()).isEqualTo(12);
            assertThat(start.counters()).isEqualTo(new DrainRecord.Counters(4, 3, 1, 0));
        });
    }

    @Test
    void aRequestedPodWithNothingToMigrateIsRemoved() {
        assertThat(DrainStep.next(
                        fleet,
                        pods(Map.of("old", status(0, 0, 0, 0, 0))),
                        victim,
                        DrainRecord.requested(DrainReason.ScaleDown, T0),
                        T0))
                .isEqualTo(new DrainStep.RemoveEmpty("it has no sessions"));
        Pod noAddress = pod("old", REV, true, DrainState.Requested);
        noAddress.getStatus().setPodIP(null);
        assertThat(DrainStep.next(
                        fleet, pods(Map.of()), noAddress, DrainRecord.requested(DrainReason.ScaleDown, T0), T0))
                .isEqualTo(new DrainStep.RemoveEmpty("it never got an address"));
    }

    @Test
    void withoutATargetItWaitsUnlessTheFleetIsScaledToZero() {
        FleetPods alone = new FleetPods(List.of(victim), Map.of("old", status(5, 0, 0, 0, 0)), REV);

        assertThat(DrainStep.next(fleet, alone, victim, DrainRecord.requested(DrainReason.ScaleDown, T0), T0))
                .isInstanceOf(DrainStep.WaitForTargets.class);
        assertThat(DrainStep.next(fleet(0), alone, victim, DrainRecord.requested(DrainReason.ScaleDown, T0), T0))
                .isEqualTo(new DrainStep.RemoveWithoutTargets(5));
    }

    @Test
    void anEmptyDrainingPodFinishesWithTheMigrationsOfThisDrainOnly() {
        DrainRecord draining = draining(new DrainRecord.Counters(4, 3, 1, 0));

        DrainStep step = DrainStep.next(
                fleet, pods(Map.of("old", status(0, 16, 14, 2, 1))), victim, draining, T0.plusSeconds(3));

        assertThat(step).isEqualTo(new DrainStep.Finish(new DrainRecord.Counters(12, 11, 1, 1), Duration.ofSeconds(3)));
    }

    @Test
    void aDrainPastItsDeadlineTimesOut() {
        // 12 sessions at the fleet's rate, plus the idle migration timer, plus the margin.
        Instant deadline = DrainStep.deadline(fleet.getSpec(), T0, 12);
        DrainRecord draining = draining(DrainRecord.Counters.ZERO);

        assertThat(DrainStep.next(fleet, pods(Map.of("old", status(2, 10, 10, 0, 0))), victim, draining, deadline))
                .isInstanceOf(DrainStep.Watch.class);
        assertThat(DrainStep.next(
                        fleet, pods(Map.of("old", status(2, 10, 10, 0, 0))), victim, draining, deadline.plusMillis(1)))
                .isEqualTo(new DrainStep.TimeOut(
                        2, new DrainRecord.Counters(10, 10, 0, 0), Duration.between(T0, deadline.plusMillis(1))));
    }

    @Test
    void aPodThatLostItsDrainIsAskedAgain() {
        DrainRecord draining = draining(DrainRecord.Counters.ZERO);
        PodAdminStatus forgot = new PodAdminStatus(8, Map.of(), false, null, 0, 0, 0, List.of());

        DrainStep step = DrainStep.next(fleet, pods(Map.of("old", forgot)), victim, draining, T0.plusSeconds(1));

        assertThat(step)
                .isInstanceOfSatisfying(
                        DrainStep.Watch.class, w -> assertThat(w.askAgain()).isTrue());
    }

    @Test
    void anEvictedPodDrainsToServingPodsThatAreNeitherEvictedNorOnADrainingNode() {
        Pod evicted = new io.fabric8.kubernetes.api.model.PodBuilder(pod("old", REV, true, DrainState.Requested))
                .editMetadata()
                .addToAnnotations(EvictionRequest.ANNOTATION, T0.toString())
                .endMetadata()
                .build();
        Pod alsoEvicted = new io.fabric8.kubernetes.api.model.PodBuilder(pod("other", REV, true, null))
                .editMetadata()
                .addToAnnotations(EvictionRequest.ANNOTATION, T0.toString())
                .endMetadata()
                .build();
        FleetPods pods = new FleetPods(
                List.of(evicted, alsoEvicted, peer),
                Map.of(
                        "old", status(7, 0, 0, 0, 0),
                        "other", status(0, 0, 0, 0, 0),
                        "peer", status(3, 0, 0, 0, 0)),
                REV);

        DrainStep step = DrainStep.next(fleet, pods, evicted, DrainRecord.requested(DrainReason.Eviction, T0), T0);

        assertThat(step).isInstanceOfSatisfying(DrainStep.Start.class, start -> {
            assertThat(start.targets())
                    .as("only the peer: the other evicted pod is on its way out too")
                    .containsExactly(DrainTargets.address(fleet, peer));
            assertThat(start.sessions()).isEqualTo(7);
        });
        assertThat(DrainTargets.peersOf(fleet, pods, peer)).isEmpty();
    }

    private DrainRecord draining(DrainRecord.Counters atStart) {
        return DrainRecord.requested(DrainReason.ScaleDown, T0).draining(T0, List.of("127.0.0.9:7000"), 12, atStart);
    }

    private FleetPods pods(Map<String, PodAdminStatus> statuses) {
        return new FleetPods(List.of(victim, peer), new HashMap<>(statuses), REV);
    }

    private static PodAdminStatus status(long sessions, long requested, long completed, long failed, long handedOff) {
        return new PodAdminStatus(sessions, Map.of(), true, null, requested, completed, failed, List.of(), handedOff);
    }
}
