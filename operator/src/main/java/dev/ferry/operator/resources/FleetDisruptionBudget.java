package dev.ferry.operator.resources;

import dev.ferry.operator.model.PodDisruptionBudgetSpec;
import dev.ferry.operator.model.ServerFleet;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.Objects;

/**
 * The fleet's PodDisruptionBudget (when {@code spec.podDisruptionBudget.enabled}): over all its pods,
 * so an eviction (kubectl drain, cluster autoscaler) waits within the budget. The operator itself
 * never evicts: it replaces the pods of a cordoned node and deletes them once drained, which a budget
 * does not hold back, so a node drain still finishes without losing a client.
 */
public final class FleetDisruptionBudget {

    private FleetDisruptionBudget() {}

    public static String name(ServerFleet fleet) {
        return fleet.getMetadata().getName();
    }

    public static boolean enabled(ServerFleet fleet) {
        PodDisruptionBudgetSpec spec = fleet.getSpec().getPodDisruptionBudget();
        return spec != null && Boolean.TRUE.equals(spec.getEnabled());
    }

    /** The budget the fleet asks for (whether or not it is enabled). */
    public static PodDisruptionBudget desired(ServerFleet fleet) {
        PodDisruptionBudgetSpec spec = fleet.getSpec().getPodDisruptionBudget();
        IntOrString maxUnavailable = spec == null
                ? new IntOrString(1)
                : Objects.requireNonNullElse(spec.getMaxUnavailable(), new IntOrString(1));
        return new PodDisruptionBudgetBuilder()
                .withMetadata(FleetLabels.ownedMetadata(fleet, name(fleet)))
                .withNewSpec()
                .withNewSelector()
                .withMatchLabels(FleetLabels.podSelector(fleet))
                .endSelector()
                .withMaxUnavailable(maxUnavailable)
                .endSpec()
                .build();
    }
}
