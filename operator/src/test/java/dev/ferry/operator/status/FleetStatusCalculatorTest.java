package dev.ferry.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operator.cluster.Fleets;
import dev.ferry.operator.model.FleetPodPhase;
import dev.ferry.operator.model.MigrationCounts;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetStatus;
import dev.ferry.operator.resources.DrainReason;
import dev.ferry.operator.resources.DrainRecord;
import dev.ferry.operator.resources.DrainState;
import dev.ferry.operator.resources.FleetPod;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FleetStatusCalculatorTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static ServerFleet fleet(int replicas) {
        ServerFleet fleet = Fleets.valid("f", replicas);
        fleet.getMetadata().setNamespace("ns");
        fleet.getMetadata().setUid("uid");
        fleet.getMetadata().setGeneration(4L);
        return fleet;
    }

    private static Pod pod(ServerFleet fleet, String name, boolean ready) {
        Pod pod = FleetPod.desired(fleet);
        pod.getMetadata().setName(name);
        pod.setStatus(new PodStatusBuilder()
                .withConditions(new PodConditionBuilder()
                        .withType("Ready")
                        .withStatus(ready ? "True" : "False")
                        .build())
                .build());
        return pod;
    }

    private static FleetObservation seen(ServerFleet fleet, Pod... pods) {
        return new FleetObservation(
                List.of(pods),
                dev.ferry.operator.resources.PodRevision.of(FleetPod.template(fleet)),
                Map.of(),
                new MigrationCounts());
    }

    private static Condition condition(ServerFleetStatus status, String type) {
        return status.getConditions().stream()
                .filter(c -> c.getType().equals(type))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void podsThatCannotStartAreNamedWithTheKubeletsReasonInProgressing() {
        ServerFleet fleet = fleet(3);
        Pod serving = pod(fleet, "f-a", true);
        Pod badImage = pod(fleet, "f-b", false);
        badImage.getStatus()
                .setContainerStatuses(List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
                        .withName("server")
                        .withNewState()
                        .withNewWaiting()
                        .withReason("ErrImageNeverPull")
                        .withMessage(
                                "Container image \"localhost/ferry/server:typo\" is not present with pull policy of Never")
                        .endWaiting()
                        .endState()
                        .build()));
        Pod creating = pod(fleet, "f-c", false);
        creating.getStatus()
                .setContainerStatuses(List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
                        .withName("server")
                        .withNewState()
                        .withNewWaiting()
                        .withReason("ContainerCreating")
                        .endWaiting()
                        .endState()
                        .build()));

        Condition progressing = condition(
                FleetStatusCalculator.compute(fleet, seen(fleet, serving, badImage, creating), T0), "Progressing");

        assertThat(progressing.getStatus()).isEqualTo("True");
        assertThat(progressing.getReason()).isEqualTo("PodsNotStarting");
        assertThat(progressing.getMessage())
                .contains(
                        "pod f-b, container server: ErrImageNeverPull (Container image \"localhost/ferry/server:typo\" is not present")
                .doesNotContain("f-c")
                .contains("spec.template");
        assertThat(FleetStatusCalculator.compute(fleet, seen(fleet, serving, creating), T0)
                        .getConditions())
                .filteredOn(c -> c.getType().equals("Progressing"))
                .singleElement()
                .satisfies(c -> assertThat(c.getReason())
                        .as("ContainerCreating is no problem")
                        .isEqualTo("ScalingUp"));
    }

    @Test
    void anUnchangedFleetComputesTheSameStatusLater() {
        ServerFleet fleet = fleet(2);
        FleetObservation seen = seen(fleet, pod(fleet, "f-a", true), pod(fleet, "f-b", false));

        ServerFleetStatus first = FleetStatusCalculator.compute(fleet, seen, T0);
        fleet.setStatus(Serialization.clone(first));
        ServerFleetStatus later = FleetStatusCalculator.compute(fleet, seen, T0.plusSeconds(3600));

        assertThat(Serialization.asJson(later)).isEqualTo(Serialization.asJson(first));
        assertThat(first.getReadyReplicas()).isEqualTo(1);
        assertThat(first.getObservedGeneration()).isEqualTo(4L);
        assertThat(first.getConditions())
                .extracting(Condition::getType)
                .containsExactly(
                        "Ready",
                        "Reconciling",
                        "Stalled",
                        "Available",
                        "Progressing",
                        "Draining",
                        "MigrationDisabled",
                        "ReconcileError");
    }

    @Test
    void aConditionChangesItsTransitionTimeOnlyWhenItsStatusChanges() {
        ServerFleet fleet = fleet(1);
        Pod pod = pod(fleet, "f-a", false);
        ServerFleetStatus starting = FleetStatusCalculator.compute(fleet, seen(fleet, pod), T0);
        fleet.setStatus(starting);

        ServerFleetStatus ready =
                FleetStatusCalculator.compute(fleet, seen(fleet, pod(fleet, "f-a", true)), T0.plusSeconds(10));

        assertThat(Conditions.find(ready.getConditions(), ConditionType.Available)
                        .orElseThrow()
                        .getLastTransitionTime())
                .isEqualTo("2026-01-01T00:00:10Z");
        assertThat(Conditions.find(ready.getConditions(), ConditionType.MigrationDisabled)
                        .orElseThrow()
                        .getLastTransitionTime())
                .isEqualTo("2026-01-01T00:00:00Z");
    }

    @Test
    void aDrainingPodDoesNotCountAsAReplicaAndRaisesDraining() {
        ServerFleet fleet = fleet(1);
        Pod draining = pod(fleet, "f-old", true);
        draining.getMetadata()
                .getAnnotations()
                .put(
                        DrainRecord.ANNOTATION,
                        new DrainRecord(
                                        DrainState.Draining,
                                        DrainReason.ScaleDown,
                                        null,
                                        null,
                                        List.of(),
                                        0,
                                        DrainRecord.Counters.ZERO,
                                        false)
                                .toJson());

        ServerFleetStatus status =
                FleetStatusCalculator.compute(fleet, seen(fleet, draining, pod(fleet, "f-new", true)), T0);

        assertThat(status.getReplicas()).isEqualTo(1);
        assertThat(status.getPods())
                .extracting(p -> p.getName() + "=" + p.getPhase())
                .containsExactly("f-new=" + FleetPodPhase.Serving, "f-old=" + FleetPodPhase.Draining);
        Condition c =
                Conditions.find(status.getConditions(), ConditionType.Draining).orElseThrow();
        assertThat(c.getStatus()).isEqualTo("True");
        assertThat(c.getMessage()).isEqualTo("Draining: f-old.");
    }

    @Test
    void percentagesResolveAgainstReplicas() {
        assertThat(IntOrPercent.resolve(new io.fabric8.kubernetes.api.model.IntOrString("25%"), 10, true, 0))
                .isEqualTo(3);
        assertThat(IntOrPercent.resolve(new io.fabric8.kubernetes.api.model.IntOrString("25%"), 10, false, 0))
                .isEqualTo(2);
        assertThat(IntOrPercent.resolve(new io.fabric8.kubernetes.api.model.IntOrString(4), 10, false, 0))
                .isEqualTo(4);
    }

    @Test
    void repeatedAdminFailuresShowInTheReconcileErrorCondition() {
        ServerFleet fleet = fleet(1);
        Pod pod = pod(fleet, "f-a", true);
        String revision = dev.ferry.operator.resources.PodRevision.of(FleetPod.template(fleet));
        FleetObservation failing = new FleetObservation(
                List.of(pod),
                revision,
                Map.of(),
                new MigrationCounts(),
                "Admin API calls failed in 3 reconciliations in a row: f-a: status: timeout",
                null);
        ServerFleetStatus status = FleetStatusCalculator.compute(fleet, failing, T0);
        assertThat(status.getConditions())
                .filteredOn(c -> c.getType().equals("ReconcileError"))
                .singleElement()
                .satisfies(c -> {
                    assertThat(c.getStatus()).isEqualTo("True");
                    assertThat(c.getReason()).isEqualTo("AdminCallsFailing");
                    assertThat(c.getMessage()).contains("f-a: status: timeout");
                });
        fleet.setStatus(status);
        ServerFleetStatus recovered = FleetStatusCalculator.compute(fleet, seen(fleet, pod), T0.plusSeconds(5));
        assertThat(recovered.getConditions())
                .filteredOn(c -> c.getType().equals("ReconcileError"))
                .singleElement()
                .satisfies(c -> assertThat(c.getReason()).isEqualTo("ReconcileSucceeded"));
    }

    @Test
    void rebalancingIsReportedOnlyWhenEnabledAndTrueWhileANewPodWaits() {
        ServerFleet fleet = fleet(2);
        Pod waiting = pod(fleet, "f-b", true);
        waiting.getMetadata()
                .setAnnotations(new java.util.HashMap<>(Map.of(
                        dev.ferry.operator.resources.RebalanceState.ANNOTATION,
                        dev.ferry.operator.resources.RebalanceState.PENDING)));
        FleetObservation seen = seen(fleet, pod(fleet, "f-a", true), waiting);
        assertThat(FleetStatusCalculator.compute(fleet, seen, T0).getConditions())
                .extracting(Condition::getType)
                .doesNotContain("Rebalancing");

        dev.ferry.operator.model.RebalanceSpec rebalance = new dev.ferry.operator.model.RebalanceSpec();
        rebalance.setEnabled(true);
        rebalance.setRatePerSecond(7);
        fleet.getSpec().setRebalance(rebalance);
        assertThat(Conditions.find(
                        FleetStatusCalculator.compute(fleet, seen, T0).getConditions(), ConditionType.Rebalancing))
                .hasValueSatisfying(c -> {
                    assertThat(c.getStatus()).isEqualTo("True");
                    assertThat(c.getReason()).isEqualTo("RebalanceInProgress");
                    assertThat(c.getMessage()).contains("f-b").contains("7 sessions/s");
                });
        FleetObservation balanced = seen(fleet, pod(fleet, "f-a", true), pod(fleet, "f-b", true));
        assertThat(Conditions.find(
                        FleetStatusCalculator.compute(fleet, balanced, T0).getConditions(), ConditionType.Rebalancing))
                .hasValueSatisfying(c -> {
                    assertThat(c.getStatus()).isEqualTo("False");
                    assertThat(c.getReason()).isEqualTo("Balanced");
                });
    }

    /** The kstatus conditions through a rollout: what kubectl wait --for=condition=Ready and GitOps tools read. */
    @Test
    void readyIsTrueOnlyWhenTheSpecAtItsGenerationIsDoneAndStalledNamesWhatNeedsAPerson() {
        ServerFleet fleet = fleet(2);
        Pod a = pod(fleet, "f-a", true);
        Pod b = pod(fleet, "f-b", true);
        assertKstatus(FleetStatusCalculator.compute(fleet, seen(fleet, a, b), T0), true, "Ready", false, false);

        // A new template at generation 5: the old pods make it a rollout until they are replaced.
        fleet.getMetadata().setGeneration(5L);
        fleet.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("example/server:2");
        ServerFleetStatus rolling = FleetStatusCalculator.compute(fleet, seen(fleet, a, b), T0);
        assertKstatus(rolling, false, "RollingUpdate", true, false);
        assertThat(condition(rolling, "Ready").getObservedGeneration()).isEqualTo(5L);
        assertThat(condition(rolling, "Reconciling").getReason()).isEqualTo("RollingUpdate");

        fleet.getSpec().getUpdateStrategy().setPaused(true);
        assertKstatus(
                FleetStatusCalculator.compute(fleet, seen(fleet, a, b), T0), false, "RolloutPaused", false, false);
        fleet.getSpec().getUpdateStrategy().setPaused(false);

        Pod c = pod(fleet, "f-c", true);
        Pod d = pod(fleet, "f-d", true);
        assertKstatus(FleetStatusCalculator.compute(fleet, seen(fleet, c, d), T0), true, "Ready", false, false);
        assertKstatus(FleetStatusCalculator.compute(fleet, seen(fleet, c), T0), false, "ScalingUp", true, false);

        Pod broken = pod(fleet, "f-e", false);
        broken.getStatus()
                .setContainerStatuses(List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
                        .withName("server")
                        .withNewState()
                        .withNewWaiting()
                        .withReason("CrashLoopBackOff")
                        .withMessage("back-off 40s restarting failed container")
                        .endWaiting()
                        .endState()
                        .build()));
        ServerFleetStatus stalled = FleetStatusCalculator.compute(fleet, seen(fleet, c, broken), T0);
        assertKstatus(stalled, false, "PodsNotStarting", false, true);
        assertThat(condition(stalled, "Stalled").getMessage()).contains("f-e", "CrashLoopBackOff");

        FleetObservation unreachable = new FleetObservation(
                List.of(c, d),
                dev.ferry.operator.resources.PodRevision.of(FleetPod.template(fleet)),
                Map.of(),
                new MigrationCounts(),
                "Admin API calls failed in 3 reconciliations in a row: f-c: status: timeout",
                null);
        ServerFleetStatus cannotReach = FleetStatusCalculator.compute(fleet, unreachable, T0);
        assertKstatus(cannotReach, false, "AdminCallsFailing", false, true);

        Pod waiting = pod(fleet, "f-d", true);
        waiting.getMetadata()
                .getAnnotations()
                .put(
                        dev.ferry.operator.resources.RebalanceState.ANNOTATION,
                        dev.ferry.operator.resources.RebalanceState.PENDING);
        dev.ferry.operator.model.RebalanceSpec rebalance = new dev.ferry.operator.model.RebalanceSpec();
        rebalance.setEnabled(true);
        fleet.getSpec().setRebalance(rebalance);
        assertKstatus(
                FleetStatusCalculator.compute(fleet, seen(fleet, c, waiting), T0), false, "Rebalancing", true, false);

        ServerFleet empty = fleet(0);
        assertKstatus(FleetStatusCalculator.compute(empty, seen(empty), T0), true, "Ready", false, false);
    }

    private static void assertKstatus(
            ServerFleetStatus status, boolean ready, String readyReason, boolean reconciling, boolean stalled) {
        assertThat(condition(status, "Ready")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo(ready ? "True" : "False");
            assertThat(c.getReason()).isEqualTo(readyReason);
        });
        assertThat(condition(status, "Reconciling").getStatus()).isEqualTo(reconciling ? "True" : "False");
        assertThat(condition(status, "Stalled").getStatus()).isEqualTo(stalled ? "True" : "False");
        assertThat(status.getConditions())
                .allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(status.getObservedGeneration()));
    }
}
