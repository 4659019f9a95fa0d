package dev.ferry.operator.resources;

/** Why a pod is drained; part of its {@link DrainRecord}. */
public enum DrainReason {
    /** replicas went down (by hand, or HPA/KEDA through the scale subresource). */
    ScaleDown,
    /** The pod runs an old revision of the template; its sessions go to new-revision pods only. */
    Rollout,
    /** The pod's node is cordoned or carries a drain taint. */
    NodeDrain,
    /**
     * Someone asked the API server to evict the pod ({@code kubectl drain}, a cluster autoscaler): the
     * eviction webhook refused it and marked the pod {@link EvictionRequest#ANNOTATION}; it is replaced
     * and drained like a pod on a draining node. An operator that does not know this value reads it as
     * {@link #ScaleDown} (the drain goes on the same way; only Events name it differently).
     */
    Eviction
}
