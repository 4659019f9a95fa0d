package dev.ferry.operator.resources;

/** Why a pod is drained; part of its {@link DrainRecord}. */
public enum DrainReason {
    /** replicas went down (by hand, or HPA/KEDA through the scale subresource). */
    ScaleDown,
    /** The pod runs an old revision of the template; its sessions go to new-revision pods only. */
    Rollout,
    /** The pod's node is cordoned or carries a drain taint. */
    NodeDrain
}
