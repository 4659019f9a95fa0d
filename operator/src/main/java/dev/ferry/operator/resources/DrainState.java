package dev.ferry.operator.resources;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Optional;

/** Where a pod's drain stands; part of its {@link DrainRecord}. */
public enum DrainState {
    /** Chosen for removal; still serving its sessions, no longer getting new clients. */
    Requested,
    /** Asked to migrate its sessions; the operator watches its session count. */
    Draining,
    /** Empty (or its idle migration timer passed); about to be deleted. */
    Drained;

    /** The pod's drain state; empty when the pod is not draining. */
    public static Optional<DrainState> of(Pod pod) {
        return DrainRecord.of(pod).map(DrainRecord::state);
    }
}
