package dev.ferry.operator.drain;

import dev.ferry.operator.admin.PodAdminStatus;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetSpec;
import dev.ferry.operator.resources.RebalanceState;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides the next rebalance step (no side effects). Receivers are the serving pods marked
 * {@link RebalanceState#PENDING}; donors the other serving pods above the fleet average. One round
 * at a time: a round starts only when no session of the fleet is still migrating, so the counts it
 * works from are settled, and only from counts every serving pod reported after the last round was
 * asked (a poll sent just before it still shows the donors full and nothing in flight; planning from
 * it would ask them for the same sessions twice and could empty a donor). A round moves at most
 * {@code budget} sessions, spread over the donors by how far each is above the average. A session
 * only ever moves from a donor to a receiver, so none moves twice.
 */
public final class RebalancePlanner {

    private RebalancePlanner() {}

    /**
     * @param busy a drain, rollout, node drain or pod creation is under way: never rebalance then
     * @param budget sessions this round may move (at least 1)
     * @param lastRound when the fleet's previous round was asked, or null if none is known
     */
    public static RebalancePlan plan(ServerFleet fleet, FleetPods pods, boolean busy, int budget, Instant lastRound) {
        List<Pod> pending =
                pods.active().stream().filter(RebalanceState::isPending).toList();
        if (pending.isEmpty()) {
            return RebalancePlan.none();
        }
        ServerFleetSpec spec = fleet.getSpec();
        if (!enabled(spec)) {
            return RebalancePlan.finished("rebalancing was turned off", pending, 0);
        }
        if (spec.getIdleMigrationTimerSeconds() == 0 && spec.getSessionIdleTimerSeconds() == 0) {
            return RebalancePlan.finished("migration is disabled (both timers are 0)", pending, 0);
        }
        if (busy) {
            return RebalancePlan.waiting("a drain, rollout or pod creation is under way", pending);
        }
        List<Pod> serving = pods.targets();
        if (!serving.containsAll(pending)) {
            return RebalancePlan.waiting("new pods are not serving yet", pending);
        }
        for (Pod pod : serving) {
            PodAdminStatus status = pods.status(pod);
            if (status == null) {
                return RebalancePlan.waiting("pod " + FleetPods.name(pod) + " did not report its sessions", pending);
            }
            if (!pods.statusReadSince(pod, lastRound)) {
                return RebalancePlan.waiting(
                        "pod " + FleetPods.name(pod) + " has not reported its sessions since the last round", pending);
            }
            if (status.migrationsInFlight() > 0) {
                return RebalancePlan.waiting(
                        "the last round is settling (" + status.migrationsInFlight() + " sessions of "
                                + FleetPods.name(pod) + " migrating)",
                        pending);
            }
        }
        long total = serving.stream().mapToLong(pods::sessions).sum();
        long average = total / serving.size();
        long tolerance = Math.max(1, average / 10);
        long needed = pending.stream()
                .mapToLong(p -> Math.max(0, average - pods.sessions(p)))
                .sum();
        boolean farBelow = pending.stream().anyMatch(p -> average - pods.sessions(p) > tolerance);
        List<Pod> donors = serving.stream()
                .filter(p -> !RebalanceState.isPending(p) && pods.sessions(p) > average)
                .sorted(Comparator.<Pod>comparingLong(p -> -pods.sessions(p)).thenComparing(FleetPods::name))
                .toList();
        long excess = donors.stream().mapToLong(p -> pods.sessions(p) - average).sum();
        if (!farBelow || excess == 0) {
            return RebalancePlan.finished("within " + tolerance + " of the average", pending, average);
        }
        long round = Math.min(Math.max(1, budget), Math.min(needed, excess));
        Map<String, Integer> moves = new LinkedHashMap<>();
        long left = round;
        for (Pod donor : donors) {
            long over = pods.sessions(donor) - average;
            // Share by excess, rounded up, so a small round still takes from the most loaded pod first.
            long share = Math.min(left, Math.min(over, (round * over + excess - 1) / excess));
            if (share > 0) {
                moves.put(FleetPods.name(donor), (int) share);
                left -= share;
            }
        }
        List<String> targets = pending.stream()
                .filter(p -> average - pods.sessions(p) > 0)
                .map(p -> DrainTargets.address(fleet, p))
                .toList();
        return new RebalancePlan(RebalancePlan.Step.MOVE, "", pending, moves, targets, average);
    }

    /**
     * Whether sessions move onto the pods a scale-up adds: with spec.rebalance.enabled, and always with
     * spec.autoscaling (a pod added for the sessions is of no use until some of them move onto it).
     */
    public static boolean enabled(ServerFleetSpec spec) {
        return spec.getAutoscaling() != null
                || (spec.getRebalance() != null
                        && Boolean.TRUE.equals(spec.getRebalance().getEnabled()));
    }
}
