package dev.ferry.operator.dependent;

import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.resources.AdminService;
import dev.ferry.operator.resources.AdminTokenSecret;
import dev.ferry.operator.resources.ClientService;
import dev.ferry.operator.resources.FleetDisruptionBudget;
import dev.ferry.operator.resources.FleetLabels;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Workflow;
import io.javaoperatorsdk.operator.processing.dependent.workflow.WorkflowBuilder;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Optional;

/**
 * The objects a fleet owns besides its pods, as dependent resources in one workflow: the admin-token
 * Secret (create-only), the client and admin Services, and the PodDisruptionBudget while the fleet
 * asks for one. Each comes from a side-effect-free {@code desired(fleet)} in {@code
 * dev.ferry.operator.resources}. Pods are not among them: which pod goes and when is the pod-set
 * pipeline's decision ({@code dev.ferry.operator.podset}).
 */
public final class OwnedResources {

    /** Name of the event source of the fleets' Services (both Service dependents share it). */
    public static final String SERVICES = "services";
    /** Name of the event source of the fleets' PodDisruptionBudgets. */
    public static final String BUDGETS = "disruption-budgets";

    private final AdminTokenDependent adminToken;
    private final OwnedResourceDependent<Service> clientService;
    private final OwnedResourceDependent<Service> adminService;
    private final OwnedResourceDependent<PodDisruptionBudget> budget;
    private final Workflow<ServerFleet> workflow;

    /** {@code instance} names this operator replica in the Events it writes. */
    public OwnedResources(String instance) {
        adminToken = new AdminTokenDependent(instance);
        clientService = new OwnedResourceDependent<>(
                Service.class, "client-service", ClientService::desired, "Service", instance);
        adminService = new OwnedResourceDependent<>(
                Service.class, "admin-service", AdminService::desired, "Service", instance);
        budget = new DisruptionBudgetDependent(instance);
        workflow = new WorkflowBuilder<ServerFleet>()
                .addDependentResource(adminToken)
                .addDependentResource(clientService)
                .addDependentResource(adminService)
                .addDependentResourceAndConfigure(budget)
                .withReconcilePrecondition(new DisruptionBudgetEnabled())
                .build();
    }

    /** The event sources the dependents read their actual state from. */
    public List<EventSource<?, ServerFleet>> eventSources(EventSourceContext<ServerFleet> context) {
        var services = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Service.class, ServerFleet.class)
                        .withName(SERVICES)
                        .withLabelSelector(FleetLabels.FLEET)
                        .build(),
                context);
        clientService.setEventSource(services);
        adminService.setEventSource(services);
        var budgets = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(PodDisruptionBudget.class, ServerFleet.class)
                        .withName(BUDGETS)
                        .withLabelSelector(FleetLabels.FLEET)
                        .build(),
                context);
        budget.setEventSource(budgets);
        return List.of(services, budgets, adminToken.eventSource(context).orElseThrow());
    }

    /**
     * Brings every owned object in line with the fleet.
     *
     * @return the fleet's admin API token
     * @throws RuntimeException the first failure of a dependent (JOSDK retries the reconciliation)
     */
    public String reconcile(ServerFleet fleet, Context<ServerFleet> context) {
        workflow.reconcile(fleet, context).throwAggregateExceptionIfErrorsPresent();
        return adminToken
                .token(fleet, context)
                .orElseThrow(() -> new IllegalStateException(
                        "Secret " + AdminTokenSecret.name(fleet) + " holds no admin token yet"));
    }

    /** The fleet's admin token as last read, without a request once it was read (for pollers). */
    public Optional<String> knownToken(ServerFleet fleet) {
        return adminToken
                .eventSource()
                .flatMap(source -> source.getSecondaryResources(fleet).stream().findFirst())
                .flatMap(AdminTokenSecret::token);
    }

    /** The PodDisruptionBudget, with its setting in the Events. */
    private static final class DisruptionBudgetDependent extends OwnedResourceDependent<PodDisruptionBudget> {

        DisruptionBudgetDependent(String instance) {
            super(
                    PodDisruptionBudget.class,
                    "disruption-budget",
                    FleetDisruptionBudget::desired,
                    "DisruptionBudget",
                    instance);
        }

        @Override
        protected String describe(PodDisruptionBudget budget) {
            return " (maxUnavailable " + budget.getSpec().getMaxUnavailable().getValue() + ")";
        }

        @Override
        protected String whyDeleted(ServerFleet fleet) {
            return ": spec.podDisruptionBudget is disabled";
        }
    }
}
