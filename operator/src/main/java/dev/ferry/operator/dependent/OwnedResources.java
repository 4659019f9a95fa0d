package dev.ferry.operator.dependent;

import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.TlsMode;
import dev.ferry.operator.resources.AdminService;
import dev.ferry.operator.resources.AdminTokenSecret;
import dev.ferry.operator.resources.ClientService;
import dev.ferry.operator.resources.FleetDisruptionBudget;
import dev.ferry.operator.resources.FleetLabels;
import dev.ferry.operator.resources.FleetTlsSecrets;
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
 * Secret (create-only), the client and admin Services, the PodDisruptionBudget while the fleet asks
 * for one, and its TLS Secrets: with {@code tls.mode: Generated} the CA (kept) and the serving
 * certificate issued under it, with {@code Provided} the user's Secret, only read. Each comes from a
 * side-effect-free {@code desired(fleet)} in {@code dev.ferry.operator.resources}. Pods are not among them: which pod goes and when is the pod-set
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
    private final FleetCaDependent fleetCa;
    private final ServingSecretDependent servingSecret;
    private final ProvidedSecretDependent providedSecret;
    private final Workflow<ServerFleet> workflow;

    /** {@code instance} names this operator replica in the Events it writes. */
    public OwnedResources(String instance) {
        adminToken = new AdminTokenDependent(instance);
        clientService = new OwnedResourceDependent<>(
                Service.class, "client-service", ClientService::desired, "Service", instance);
        adminService = new OwnedResourceDependent<>(
                Service.class, "admin-service", AdminService::desired, "Service", instance);
        budget = new DisruptionBudgetDependent(instance);
        fleetCa = new FleetCaDependent(instance);
        servingSecret = new ServingSecretDependent(fleetCa, instance);
        providedSecret = new ProvidedSecretDependent();
        workflow = new WorkflowBuilder<ServerFleet>()
                .addDependentResource(adminToken)
                .addDependentResource(clientService)
                .addDependentResource(adminService)
                .addDependentResourceAndConfigure(budget)
                .withReconcilePrecondition(new DisruptionBudgetEnabled())
                .addDependentResourceAndConfigure(fleetCa)
                .withReconcilePrecondition(new TlsModeIs(TlsMode.Generated))
                .addDependentResourceAndConfigure(servingSecret)
                .dependsOn(fleetCa)
                .withReconcilePrecondition(new TlsModeIs(TlsMode.Generated))
                .addDependentResourceAndConfigure(providedSecret)
                .withReconcilePrecondition(new TlsModeIs(TlsMode.Provided))
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
        return List.of(
                services,
                budgets,
                adminToken.eventSource(context).orElseThrow(),
                fleetCa.eventSource(context).orElseThrow(),
                servingSecret.eventSource(context).orElseThrow(),
                providedSecret.eventSource(context).orElseThrow());
    }

    /**
     * Brings every owned object in line with the fleet.
     *
     * @return what the operator needs to call the fleet's pods
     * @throws RuntimeException the first failure of a dependent (JOSDK retries the reconciliation), or
     *     an {@link IllegalStateException} that says what to fix in a Provided TLS Secret
     */
    public AdminAccess reconcile(ServerFleet fleet, Context<ServerFleet> context) {
        workflow.reconcile(fleet, context).throwAggregateExceptionIfErrorsPresent();
        String token = adminToken
                .token(fleet)
                .orElseThrow(() -> new IllegalStateException(
                        "Secret " + AdminTokenSecret.name(fleet) + " holds no admin token yet"));
        Optional<String> ca = switch (FleetTlsSecrets.mode(fleet)) {
            case Disabled -> Optional.empty();
            case Generated ->
                Optional.of(fleetCa.ca(fleet)
                        .orElseThrow(() -> new IllegalStateException(
                                "Secret " + FleetTlsSecrets.caName(fleet) + " holds no usable CA yet"))
                        .certificatePem());
            case Provided -> Optional.of(providedSecret.trustedCa(fleet));
        };
        return new AdminAccess(token, ca);
    }

    /**
     * What the operator needs to call the fleet's pods, as last read and without a request once read
     * (for pollers off the reconciliation); empty while the token or the CA is not known yet.
     */
    public Optional<AdminAccess> knownAccess(ServerFleet fleet) {
        Optional<String> token = adminToken.token(fleet);
        if (token.isEmpty()) {
            return Optional.empty();
        }
        return switch (FleetTlsSecrets.mode(fleet)) {
            case Disabled -> Optional.of(new AdminAccess(token.get(), Optional.empty()));
            case Generated ->
                fleetCa.ca(fleet).map(ca -> new AdminAccess(token.get(), Optional.of(ca.certificatePem())));
            case Provided -> {
                try {
                    yield Optional.of(new AdminAccess(token.get(), Optional.of(providedSecret.trustedCa(fleet))));
                } catch (IllegalStateException notYet) {
                    yield Optional.empty();
                }
            }
        };
    }

    /** The fleet's admin API token, and the CA its pods' certificates chain to when TLS is on. */
    public record AdminAccess(String token, Optional<String> caPem) {}

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
