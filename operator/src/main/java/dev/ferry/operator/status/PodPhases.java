package dev.ferry.operator.status;

import dev.ferry.operator.model.FleetPodPhase;
import dev.ferry.operator.resources.DrainState;
import dev.ferry.operator.resources.FleetLabels;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;

/** Reads a fleet pod's state from the pod itself: readiness, labels, drain annotations. */
public final class PodPhases {

    private PodPhases() {}

    public static FleetPodPhase phase(Pod pod) {
        var drain = DrainState.of(pod);
        if (drain.isPresent()) {
            return drain.get() == DrainState.Drained ? FleetPodPhase.Drained : FleetPodPhase.Draining;
        }
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            // Deleted by someone else: the pod drains itself on SIGTERM.
            return FleetPodPhase.Draining;
        }
        return isReady(pod) && isServing(pod) ? FleetPodPhase.Serving : FleetPodPhase.Starting;
    }

    /** Counts toward replicas: not being removed, neither by a drain nor by a deletion. */
    public static boolean isActive(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() == null
                && DrainState.of(pod).isEmpty();
    }

    public static boolean isReady(Pod pod) {
        return pod.getStatus() != null
                && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /**
     * The kubelet reports containers of the pod but none of them running: the server never started (an image that is not
     * there, a crash loop, a missing Secret) or has stopped. Such a pod holds no connection, so no session. A pod the
     * kubelet has not reported on yet is not counted here.
     */
    public static boolean hasNoRunningContainer(Pod pod) {
        return pod.getStatus() != null
                && pod.getStatus().getContainerStatuses() != null
                && !pod.getStatus().getContainerStatuses().isEmpty()
                && pod.getStatus().getContainerStatuses().stream()
                        .noneMatch(c -> c.getState() != null && c.getState().getRunning() != null);
    }

    public static boolean isServing(Pod pod) {
        return "true".equals(label(pod, FleetLabels.SERVING));
    }

    public static String revision(Pod pod) {
        return label(pod, FleetLabels.REVISION);
    }

    private static String label(Pod pod, String key) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        return labels == null ? null : labels.get(key);
    }
}
