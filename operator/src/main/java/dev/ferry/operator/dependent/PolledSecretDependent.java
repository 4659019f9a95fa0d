package dev.ferry.operator.dependent;

import dev.ferry.operator.model.ServerFleet;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.dependent.external.PerResourcePollingDependentResource;
import io.javaoperatorsdk.operator.processing.event.source.ExternalResourceCachingEventSource;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * A Secret of one fleet, read by name on a timer. The operator may only {@code get} Secrets by name
 * (no list or watch: it must not be able to read the cluster's Secrets), so each of a fleet's Secrets
 * has its own poll instead of an informer: every {@link #POLL}, and sooner while {@link
 * #pollSoon(Optional)} says so. A reconciliation reads the last poll and costs no request; a change
 * the poll sees (a Secret created, edited or deleted by someone else) triggers one.
 */
abstract class PolledSecretDependent extends PerResourcePollingDependentResource<Secret, ServerFleet, String> {

    /** How often a fleet's Secret is read again while nothing says it is wrong. */
    static final Duration POLL = Duration.ofMinutes(5);
    /** How soon a Secret that is missing or unusable and only a person can fix is read again. */
    static final Duration SOON = Duration.ofSeconds(10);

    private volatile KubernetesClient client;

    PolledSecretDependent() {
        super(Secret.class, POLL, s -> s.getMetadata().getName());
    }

    /** The Secret's name for this fleet; empty when the fleet has no such Secret (nothing is read then). */
    abstract Optional<String> secretName(ServerFleet fleet);

    /** Whether the Secret as read needs someone else's fix, so that it is read again after {@link #SOON}. */
    boolean pollSoon(Optional<Secret> read) {
        return false;
    }

    @Override
    protected ExternalResourceCachingEventSource<Secret, ServerFleet, String> createEventSource(
            EventSourceContext<ServerFleet> context) {
        client = context.getClient();
        return super.createEventSource(context);
    }

    @Override
    public Set<Secret> fetchResources(ServerFleet fleet) {
        Optional<String> name = secretName(fleet);
        if (name.isEmpty()) {
            return Set.of();
        }
        Secret secret = client.secrets()
                .inNamespace(fleet.getMetadata().getNamespace())
                .withName(name.get())
                .get();
        return secret == null ? Set.of() : Set.of(secret);
    }

    /** {@code read} is null when JOSDK schedules the first poll for a fleet, before anything was read. */
    @Override
    public Optional<Duration> fetchDelay(Set<Secret> read, ServerFleet fleet) {
        if (secretName(fleet).isEmpty()) {
            return Optional.empty();
        }
        Optional<Secret> secret =
                read == null ? Optional.empty() : read.stream().findFirst();
        return pollSoon(secret) ? Optional.of(SOON) : Optional.empty();
    }

    /**
     * The fleet's Secret as last read (or as last written here), from this dependent's own poll. JOSDK's
     * default would gather every Secret event source of the controller and compute {@code desired()} to
     * pick one, which for the CA means generating a key pair.
     */
    @Override
    public Optional<Secret> getSecondaryResource(ServerFleet fleet, Context<ServerFleet> context) {
        return current(fleet);
    }

    /** The fleet's Secret as last read, without a request once it was read (for pollers off the reconciliation). */
    Optional<Secret> current(ServerFleet fleet) {
        Optional<String> name = secretName(fleet);
        if (name.isEmpty()) {
            return Optional.empty();
        }
        return eventSource()
                .flatMap(source -> source.getSecondaryResources(fleet).stream()
                        .filter(s -> name.get().equals(s.getMetadata().getName()))
                        .findFirst());
    }

    /** A write by server-side apply as this operator, taking over fields another manager set. */
    static Secret apply(Secret desired, Context<ServerFleet> context) {
        return context.getClient()
                .secrets()
                .resource(desired)
                .fieldManager(context.getControllerConfiguration().fieldManager())
                .forceConflicts()
                .serverSideApply();
    }
}
