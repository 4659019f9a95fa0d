package dev.ferry.operator.autoscale;

import dev.ferry.operator.model.AutoscalingSpec;
import dev.ferry.operator.model.AutoscalingStatus.Recommendation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;

/**
 * Decides a fleet's replicas from its sessions, without side effects: {@code ceil(sessions /
 * targetSessionsPerPod)} within minReplicas and maxReplicas, stabilised like a HorizontalPodAutoscaler
 * (scale up to the lowest recommendation of the scale-up window, down to the highest of the
 * scale-down window) and at most {@code maxStep} pods per change. A change waits until the fleet has
 * settled from the previous one (pods added are ready, pods removed have drained), so steps do not
 * pile up while sessions are still moving. Before its first recommendation the fleet's replicas count
 * as the recommendation, so a new fleet (or a fleet that just turned autoscaling on) waits a whole
 * window before it scales down. Bounds apply at once: replicas below minReplicas are raised
 * and above maxReplicas lowered, whatever the sessions say.
 */
public final class SessionAutoscaler {

    private SessionAutoscaler() {}

    /**
     * What the autoscaler sees.
     *
     * @param replicas spec.replicas now
     * @param sessions the fleet's sessions, empty while a serving pod has not reported its count
     * @param settled no pod is being created, rolled, drained or moved onto
     * @param history the recommendations kept in the status
     */
    public record Input(
            AutoscalingSpec spec,
            int replicas,
            OptionalLong sessions,
            boolean settled,
            List<Recommendation> history,
            Instant now) {}

    /**
     * What it decided.
     *
     * @param recommended what the sessions call for now (or last called for, while a count is missing)
     * @param replicas spec.replicas to set; the same as the input's when nothing changes
     * @param why for a change, a sentence that says why (for the Event and the status); empty otherwise
     * @param history the recommendations to keep in the status
     */
    public record Decision(int recommended, int replicas, String why, List<Recommendation> history) {

        public boolean scales(int current) {
            return replicas != current;
        }
    }

    public static Decision decide(Input in) {
        AutoscalingSpec spec = in.spec();
        int min = spec.getMinReplicas();
        int max = spec.getMaxReplicas();
        int target = spec.getTargetSessionsPerPod();
        Duration up = Duration.ofSeconds(spec.getScaleUp().getStabilizationWindowSeconds());
        Duration down = Duration.ofSeconds(spec.getScaleDown().getStabilizationWindowSeconds());
        int current = in.replicas();

        RecommendationWindow window = new RecommendationWindow(in.history());
        int recommended;
        if (in.sessions().isPresent()) {
            long sessions = in.sessions().getAsLong();
            recommended = clamp((int) Math.min(Integer.MAX_VALUE, ceilDiv(sessions, target)), min, max);
            window.record(recommended, in.now());
        } else if (!in.history().isEmpty()) {
            recommended = in.history().get(in.history().size() - 1).getReplicas();
        } else {
            recommended = clamp(current, min, max);
        }
        List<Recommendation> kept = in.history().isEmpty() && in.sessions().isEmpty()
                ? List.of()
                : window.kept(up.compareTo(down) >= 0 ? up : down, in.now());

        if (current < min) {
            return new Decision(
                    recommended,
                    min,
                    "Scaled from " + current + " to " + min + ": replicas were below autoscaling.minReplicas.",
                    kept);
        }
        if (current > max) {
            int to = Math.max(max, current - spec.getScaleDown().getMaxStep());
            return new Decision(
                    recommended,
                    to,
                    "Scaled from " + current + " to " + to + ": replicas were above autoscaling.maxReplicas (" + max
                            + ").",
                    kept);
        }
        if (!in.settled() || in.sessions().isEmpty()) {
            return new Decision(recommended, current, "", kept);
        }
        long sessions = in.sessions().getAsLong();
        int upTo = window.lowest(up, in.now(), current);
        int downTo = window.highest(down, in.now(), current);
        if (upTo > current) {
            int to = Math.min(upTo, current + spec.getScaleUp().getMaxStep());
            return new Decision(
                    recommended,
                    to,
                    "Scaled from " + current + " to " + to + ": " + sessions + " sessions at a target of " + target
                            + " per pod call for " + upTo + stepNote(to, upTo, "scaleUp"),
                    kept);
        }
        if (downTo < current) {
            int to = Math.max(downTo, current - spec.getScaleDown().getMaxStep());
            return new Decision(
                    recommended,
                    to,
                    "Scaled from " + current + " to " + to + ": " + sessions + " sessions at a target of " + target
                            + " per pod have called for at most " + downTo + " for "
                            + down.toSeconds() + " s" + stepNote(to, downTo, "scaleDown"),
                    kept);
        }
        return new Decision(recommended, current, "", kept);
    }

    private static String stepNote(int to, int wanted, String rules) {
        return to == wanted ? "." : " (at most autoscaling." + rules + ".maxStep per change).";
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static int clamp(int value, int min, int max) {
        return Math.max(min, Math.min(max, value));
    }
}
