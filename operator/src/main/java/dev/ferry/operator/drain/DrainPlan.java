package dev.ferry.operator.drain;

import dev.ferry.operator.resources.DrainReason;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * What one reconciliation should start: pods to create (current revision) and pods to drain;
 * {@code displaced}: active pods on draining nodes (being replaced), for events and requeueing.
 */
public record DrainPlan(int podsToCreate, List<Pod> victims, DrainReason reason, List<Pod> displaced) {

    public DrainPlan {
        victims = List.copyOf(victims);
        displaced = List.copyOf(displaced);
    }

    public DrainPlan(int podsToCreate, List<Pod> victims, DrainReason reason) {
        this(podsToCreate, victims, reason, List.of());
    }
}
