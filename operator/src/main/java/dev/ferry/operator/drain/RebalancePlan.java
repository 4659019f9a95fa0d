package dev.ferry.operator.drain;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;

/**
 * The next rebalance step of a fleet.
 *
 * @param step what to do
 * @param why for {@link Step#WAIT}: what it waits for
 * @param receivers the new pods sessions move to (pending ones)
 * @param moves for {@link Step#MOVE}: sessions to ask each donor pod (by name) to migrate
 * @param targets for {@link Step#MOVE}: the receivers' client addresses
 * @param average sessions per serving pod
 */
public record RebalancePlan(
        Step step, String why, List<Pod> receivers, Map<String, Integer> moves, List<String> targets, long average) {

    public enum Step {
        /** No pod waits for sessions. */
        NONE,
        /** A pod waits, but not now (a drain or rollout runs, a round is settling, a pod is not serving yet). */
        WAIT,
        /** Ask donors to migrate sessions to the receivers. */
        MOVE,
        /** The receivers are within the band around the average (or nothing can move): done. */
        FINISHED
    }

    public RebalancePlan {
        receivers = List.copyOf(receivers);
        moves = Map.copyOf(moves);
        targets = List.copyOf(targets);
    }

    public static RebalancePlan none() {
        return new RebalancePlan(Step.NONE, "", List.of(), Map.of(), List.of(), 0);
    }

    static RebalancePlan waiting(String why, List<Pod> receivers) {
        return new RebalancePlan(Step.WAIT, why, receivers, Map.of(), List.of(), 0);
    }

    static RebalancePlan finished(String why, List<Pod> receivers, long average) {
        return new RebalancePlan(Step.FINISHED, why, receivers, Map.of(), List.of(), average);
    }

    /** Sessions this step moves. */
    public int total() {
        return moves.values().stream().mapToInt(Integer::intValue).sum();
    }
}
