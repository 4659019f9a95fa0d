package dev.ferry.operator.resources;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;

/**
 * A pod created by a scale-up of a fleet with {@code spec.rebalance.enabled} carries
 * {@value #ANNOTATION}={@value #PENDING} until it holds about the fleet average of sessions: the
 * rebalancer ({@code dev.ferry.operator.drain.Rebalancer}) moves sessions onto it, then removes the
 * annotation. On the pod, so a restarted operator (or a new leader) carries on.
 */
public final class RebalanceState {

    public static final String ANNOTATION = "ferry.dev/rebalance";
    public static final String PENDING = "Pending";

    private RebalanceState() {}

    public static boolean isPending(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        return annotations != null && PENDING.equals(annotations.get(ANNOTATION));
    }
}
