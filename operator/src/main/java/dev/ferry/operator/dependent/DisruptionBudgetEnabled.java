package dev.ferry.operator.dependent;

import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.resources.FleetDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * The fleet asks for a PodDisruptionBudget ({@code spec.podDisruptionBudget.enabled}). A reconcile
 * precondition rather than an activation condition: when it stops holding, the budget the fleet had
 * must be deleted, which the workflow does for a precondition and not for an activation condition.
 */
public final class DisruptionBudgetEnabled implements Condition<PodDisruptionBudget, ServerFleet> {

    @Override
    public boolean isMet(
            DependentResource<PodDisruptionBudget, ServerFleet> budget,
            ServerFleet fleet,
            Context<ServerFleet> context) {
        return FleetDisruptionBudget.enabled(fleet);
    }
}
