package dev.ferry.operator.drain;

import dev.ferry.operator.resources.DrainReason;
import dev.ferry.operator.resources.EvictionRequest;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * What one reconciliation should start: pods to create (current revision) and pods to drain;
 * {@code displaced}: active pods on draining nodes or evicted (being replaced), for events and requeueing.
 */
public record DrainPlan(int podsToCreate, List<Pod> victims, DrainReason reason, List<Pod> displaced) {

    public DrainPlan {
        victims = List.copyOf(victims);
        displaced = List.copyOf(displaced);
    }

    public DrainPlan(int podsToCreate, List<Pod> victims, DrainReason reason) {
        this(podsToCreate, victims, reason, List.of());
    }

    /**
     * Why {@code victim} drains: the plan's reason, except that a displaced pod whose eviction was
     * refused drains as {@link DrainReason#Eviction} (also when its node is being drained too, as under
     * {@code kubectl drain}: the eviction is what the user did last and what Events should name).
     */
    public DrainReason reasonFor(Pod victim) {
        return reason == DrainReason.NodeDrain && EvictionRequest.isRequested(victim) ? DrainReason.Eviction : reason;
    }
}
