package dev.ferry.operator.podset;

import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.resources.DrainRecord;
import dev.ferry.operator.resources.EvictionRequest;
import dev.ferry.operator.resources.FleetPod;
import dev.ferry.operator.resources.PodRevision;
import dev.ferry.operator.resources.RebalanceState;
import dev.ferry.operator.status.PodPhases;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/** Whether a fleet's pods are changing, as the pods themselves show it: then they are watched closely. */
public final class FleetActivity {

    private FleetActivity() {}

    /**
     * A pod drains, starts, is being deleted, runs an old revision, waits for a rebalance or for its
     * replacement after a refused eviction, or the
     * fleet has not as many pods as it wants.
     */
    public static boolean isChanging(ServerFleet fleet, List<Pod> pods) {
        String revision = PodRevision.of(FleetPod.template(fleet));
        long active = pods.stream().filter(PodPhases::isActive).count();
        return active != fleet.getSpec().getReplicas()
                || pods.stream()
                        .anyMatch(p -> p.getMetadata().getDeletionTimestamp() != null
                                || DrainRecord.of(p).isPresent()
                                || !PodPhases.isReady(p)
                                || !revision.equals(PodPhases.revision(p))
                                || RebalanceState.isPending(p)
                                || EvictionRequest.isRequested(p));
    }
}
