package dev.ferry.operator.status;

import dev.ferry.operator.drain.RebalancePlanner;
import dev.ferry.operator.model.FleetPodPhase;
import dev.ferry.operator.model.FleetPodStatus;
import dev.ferry.operator.model.MigrationCounts;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetSpec;
import dev.ferry.operator.model.ServerFleetStatus;
import dev.ferry.operator.resources.FleetLabels;
import dev.ferry.operator.resources.RebalanceState;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/** Computes a fleet's status from what was observed; no side effects, so it is easy to test. */
public final class FleetStatusCalculator {

    private FleetStatusCalculator() {}

    public static ServerFleetStatus compute(ServerFleet fleet, FleetObservation seen, Instant now) {
        ServerFleetSpec spec = fleet.getSpec();
        ServerFleetStatus previous = fleet.getStatus() == null ? new ServerFleetStatus() : fleet.getStatus();
        long generation = Objects.requireNonNullElse(fleet.getMetadata().getGeneration(), 0L);
        int desired = spec.getReplicas();

        List<Pod> active = seen.pods().stream().filter(PodPhases::isActive).toList();
        int ready = (int) active.stream()
                .filter(p -> PodPhases.phase(p) == FleetPodPhase.Serving)
                .count();
        int updated = (int) active.stream()
                .filter(p -> seen.updateRevision().equals(PodPhases.revision(p)))
                .count();

        ServerFleetStatus status = new ServerFleetStatus();
        status.setObservedGeneration(generation);
        status.setReplicas(active.size());
        status.setReadyReplicas(ready);
        status.setUpdatedReplicas(updated);
        status.setUpdateRevision(seen.updateRevision());
        status.setCurrentRevision(currentRevision(active, seen.updateRevision(), previous));
        status.setSelector(FleetLabels.podSelectorString(fleet));
        status.setSessions(seen.sessionsByPod().values().stream()
                .mapToLong(Long::longValue)
                .sum());
        MigrationCounts m = seen.migrations();
        status.setMigrations(new MigrationCounts(m.getInFlight(), m.getCompleted(), m.getFailed()));
        status.setPods(seen.pods().stream()
                .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                .map(p -> new FleetPodStatus(
                        p.getMetadata().getName(),
                        PodPhases.phase(p),
                        seen.sessionsByPod().getOrDefault(p.getMetadata().getName(), 0L),
                        PodPhases.revision(p)))
                .toList());
        status.setAutoscaling(
                seen.autoscaling() == null ? null : seen.autoscaling().status());
        status.setConditions(conditions(fleet, seen, active.size(), ready, updated, previous, generation, now));
        return status;
    }

    /** The revision clients were served by before the rollout: the oldest active pod's, once pods exist. */
    private static String currentRevision(List<Pod> active, String updateRevision, ServerFleetStatus previous) {
        if (active.isEmpty()) {
            return previous.getCurrentRevision() != null ? previous.getCurrentRevision() : updateRevision;
        }
        if (active.stream().allMatch(p -> updateRevision.equals(PodPhases.revision(p)))) {
            return updateRevision;
        }
        return active.stream()
                .filter(p -> !updateRevision.equals(PodPhases.revision(p)))
                .min(Comparator.comparing(
                        p -> Objects.requireNonNullElse(p.getMetadata().getCreationTimestamp(), "")))
                .map(PodPhases::revision)
                .orElse(updateRevision);
    }

    private static List<io.fabric8.kubernetes.api.model.Condition> conditions(
            ServerFleet fleet,
            FleetObservation seen,
            int active,
            int ready,
            int updated,
            ServerFleetStatus previous,
            long generation,
            Instant now) {
        ServerFleetSpec spec = fleet.getSpec();
        int desired = spec.getReplicas();
        int maxUnavailable = IntOrPercent.resolve(spec.getUpdateStrategy().getMaxUnavailable(), desired, false, 0);
        int needed = Math.max(1, desired - maxUnavailable);
        Conditions c = new Conditions(previous.getConditions(), generation, now);

        KstatusConditions.Value available;
        if (desired == 0) {
            available = new KstatusConditions.Value(true, "ScaledToZero", "The fleet has 0 replicas by its spec.");
        } else if (ready >= needed) {
            available = new KstatusConditions.Value(
                    true, "MinimumReplicasReady", ready + " of " + desired + " pods are ready and serving.");
        } else {
            available = new KstatusConditions.Value(
                    false,
                    "MinimumReplicasUnavailable",
                    ready + " of " + desired + " pods are ready and serving; at least " + needed + " are needed.");
        }
        c.set(ConditionType.Available, available.status(), available.reason(), available.message());

        boolean paused = Boolean.TRUE.equals(spec.getUpdateStrategy().getPaused());
        long drainingPods = seen.pods().stream()
                .filter(p -> PodPhases.phase(p) == FleetPodPhase.Draining)
                .count();
        boolean rollout = updated < active
                || seen.pods().stream()
                        .anyMatch(p -> PodPhases.phase(p) == FleetPodPhase.Draining
                                && !seen.updateRevision().equals(PodPhases.revision(p)));
        List<Pod> starting = seen.pods().stream()
                .filter(p -> PodPhases.isActive(p) && PodPhases.phase(p) == FleetPodPhase.Starting)
                .toList();
        java.util.Optional<String> stuck = PodStartProblems.describe(starting);
        KstatusConditions.Value progress;
        if (stuck.isPresent()) {
            // Whatever the fleet is doing, pods that cannot start are what its user must fix.
            progress = new KstatusConditions.Value(
                    !paused,
                    "PodsNotStarting",
                    "Pods cannot start: " + stuck.get()
                            + ". Fix the fleet's spec.template (image, command, Secrets, resources) or"
                            + " what it refers to; pods of a changed template replace these.");
        } else if (rollout) {
            progress = new KstatusConditions.Value(
                    !paused,
                    paused ? "Paused" : "RollingUpdate",
                    updated + " of " + desired + " pods run revision " + seen.updateRevision()
                            + (drainingPods > 0 ? ", " + drainingPods + " old pod(s) draining" : "")
                            + (paused ? "; the rollout is paused (updateStrategy.paused)." : "."));
        } else if (active < desired) {
            progress = new KstatusConditions.Value(
                    true, "ScalingUp", "Creating pods: " + active + " of " + desired + " exist.");
        } else if (active > desired || drainingPods > 0) {
            progress = new KstatusConditions.Value(
                    true,
                    "ScalingDown",
                    Math.max(0, active - desired) + " pod(s) above replicas wait to be drained, " + drainingPods
                            + " draining.");
        } else if (ready < desired) {
            progress =
                    new KstatusConditions.Value(true, "WaitingForPods", ready + " of " + desired + " pods are ready.");
        } else {
            progress = new KstatusConditions.Value(
                    false,
                    "Stable",
                    "All " + desired + " pods are ready and run revision " + seen.updateRevision() + ".");
        }
        c.set(ConditionType.Progressing, progress.status(), progress.reason(), progress.message());

        List<String> draining = seen.pods().stream()
                .filter(p -> PodPhases.phase(p) == FleetPodPhase.Draining)
                .map(p -> p.getMetadata().getName())
                .sorted()
                .toList();
        if (draining.isEmpty()) {
            c.set(ConditionType.Draining, false, "NoDrain", "No pod is draining.");
        } else {
            c.set(ConditionType.Draining, true, "DrainInProgress", "Draining: " + String.join(", ", draining) + ".");
        }

        if (spec.getIdleMigrationTimerSeconds() == 0 && spec.getSessionIdleTimerSeconds() == 0) {
            c.set(
                    ConditionType.MigrationDisabled,
                    true,
                    "BothTimersZero",
                    "idleMigrationTimerSeconds and sessionIdleTimerSeconds are both 0: pods are removed by closing"
                            + " their connections, and sessions do not move.");
        } else {
            c.set(
                    ConditionType.MigrationDisabled,
                    false,
                    "TimersSet",
                    "Sessions migrate off pods before they are removed.");
        }

        List<String> waiting = seen.pods().stream()
                .filter(p -> PodPhases.isActive(p) && RebalanceState.isPending(p))
                .map(p -> p.getMetadata().getName())
                .sorted()
                .toList();
        if (RebalancePlanner.enabled(spec)) {
            if (waiting.isEmpty()) {
                c.set(ConditionType.Rebalancing, false, "Balanced", "No new pod waits for sessions.");
            } else {
                c.set(
                        ConditionType.Rebalancing,
                        true,
                        "RebalanceInProgress",
                        "Moving sessions onto new pod(s) " + String.join(", ", waiting) + " at "
                                + spec.getRebalance().getRatePerSecond() + " sessions/s.");
            }
        }

        if (seen.autoscaling() != null) {
            AutoscalingReport a = seen.autoscaling();
            c.set(ConditionType.Autoscaling, a.active(), a.reason(), a.message());
        }

        if (seen.adminFailures() != null) {
            c.set(ConditionType.ReconcileError, true, "AdminCallsFailing", seen.adminFailures());
        } else {
            c.set(ConditionType.ReconcileError, false, "ReconcileSucceeded", "The last reconciliation succeeded.");
        }

        KstatusConditions.observed(
                c,
                new KstatusConditions.Observed(
                        progress,
                        stuck.isPresent(),
                        seen.adminFailures(),
                        paused && rollout,
                        RebalancePlanner.enabled(spec) ? waiting : List.of(),
                        available,
                        desired + " of " + desired + " pods serve revision " + seen.updateRevision()
                                + "; no pod is being created, drained or rebalanced."),
                generation);
        return c.build();
    }
}
