package dev.ferry.operator.drain;

import dev.ferry.operator.model.ScaleDownPolicy;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetSpec;
import dev.ferry.operator.resources.DrainReason;
import dev.ferry.operator.status.IntOrPercent;
import dev.ferry.operator.status.PodPhases;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Decides the next steps of a fleet (no side effects): pods to create and pods to drain.
 *
 * <ul>
 *   <li>Node drain and evictions first (active pods on cordoned or drain-tainted nodes, and pods whose
 *       eviction the webhook refused: {@link FleetPods#displaced()}): create their replacements
 *       (the scheduler places them elsewhere), and drain a displaced pod only while the serving pods
 *       elsewhere plus the displaced ones still serving stay at replicas, i.e. once a replacement is
 *       ready. Displaced pods that are not ready go at once (they hold no clients).
 *   <li>Missing pods (fewer active than replicas) are always created, at the current revision.
 *   <li>Rollout (active pods of an old revision, not paused): surge new-revision pods while the fleet
 *       stays within replicas + maxSurge; once at least one new-revision pod is ready, drain old
 *       pods as far as availability (replicas − maxUnavailable ready pods) allows. Old pods whose
 *       server does not run go at once (they hold no clients).
 *   <li>Scale-down (no rollout step): the pods above replicas, chosen by scaleDownPolicy; pods that
 *       are not ready go first (they hold no clients worth moving).
 * </ul>
 */
public final class DrainPlanner {

    private DrainPlanner() {}

    public static DrainPlan plan(ServerFleet fleet, FleetPods pods) {
        ServerFleetSpec spec = fleet.getSpec();
        int desired = spec.getReplicas();
        List<Pod> active = pods.active();
        List<Pod> old = active.stream().filter(p -> !pods.isNew(p)).toList();
        int missing = Math.max(0, desired - active.size());
        boolean paused = Boolean.TRUE.equals(spec.getUpdateStrategy().getPaused());

        List<Pod> displaced = pods.displaced();
        if (!displaced.isEmpty()) {
            return nodeDrain(desired, active, displaced, pods);
        }

        if (!old.isEmpty() && !paused && desired > 0) {
            int surge = IntOrPercent.resolve(spec.getUpdateStrategy().getMaxSurge(), desired, true, 1);
            int maxUnavailable = IntOrPercent.resolve(spec.getUpdateStrategy().getMaxUnavailable(), desired, false, 0);
            int newCount = active.size() - old.size() + missing;
            int room = desired + surge - (active.size() + pods.draining().size() + missing);
            int surgeNow = Math.max(0, Math.min(room, desired - newCount));

            // Old pods whose server does not run (never started: a bad image, a crash loop) hold no clients and count
            // for
            // no availability: they go at once, or a template that fixes them could never replace them. An old pod that
            // runs but is not ready (its store is down, say) may hold sessions and waits like the others.
            List<Pod> victims = new ArrayList<>(
                    old.stream().filter(PodPhases::hasNoRunningContainer).toList());
            List<Pod> oldServing = old.stream()
                    .filter(p -> PodPhases.isReady(p) && PodPhases.isServing(p))
                    .toList();
            boolean newReady = pods.serving().stream().anyMatch(pods::isNew);
            int minAvailable = desired - maxUnavailable;
            int budget = Math.min(pods.serving().size() - minAvailable, active.size() - minAvailable);
            budget = Math.min(budget, oldServing.size());
            if (newReady && budget > 0) {
                victims.addAll(
                        order(oldServing, pods, ScaleDownPolicy.FewestSessions).subList(0, budget));
            }
            return new DrainPlan(missing + surgeNow, victims, DrainReason.Rollout);
        }

        int excess = active.size() - desired;
        if (excess > 0) {
            return new DrainPlan(
                    0, order(active, pods, spec.getScaleDownPolicy()).subList(0, excess), DrainReason.ScaleDown);
        }
        return new DrainPlan(missing, List.of(), DrainReason.ScaleDown);
    }

    private static DrainPlan nodeDrain(int desired, List<Pod> active, List<Pod> displaced, FleetPods pods) {
        int staying = active.size() - displaced.size();
        int replacements = Math.max(0, desired - staying);
        List<Pod> servingDisplaced = displaced.stream()
                .filter(p -> PodPhases.isReady(p) && PodPhases.isServing(p))
                .toList();
        List<Pod> victims = new ArrayList<>(
                displaced.stream().filter(p -> !servingDisplaced.contains(p)).toList());
        int budget = pods.targets().size() + servingDisplaced.size() - desired;
        budget = Math.max(0, Math.min(budget, servingDisplaced.size()));
        victims.addAll(
                order(servingDisplaced, pods, ScaleDownPolicy.FewestSessions).subList(0, budget));
        // One plan reason for both kinds of displaced pod; DrainPlan.reasonFor tells an evicted one apart.
        return new DrainPlan(replacements, victims, DrainReason.NodeDrain, displaced);
    }

    /** Victim order: not ready first, then by policy; ties go to the newest pod. */
    static List<Pod> order(List<Pod> candidates, FleetPods pods, ScaleDownPolicy policy) {
        Comparator<Pod> notReadyFirst = Comparator.comparing(p -> PodPhases.isReady(p) ? 1 : 0);
        Comparator<Pod> byPolicy = policy == ScaleDownPolicy.Newest
                ? FleetPods.newestFirst()
                : Comparator.<Pod>comparingLong(p -> Math.max(0, pods.sessions(p)))
                        .thenComparing(FleetPods.newestFirst());
        return candidates.stream().sorted(notReadyFirst.thenComparing(byPolicy)).toList();
    }
}
