package dev.ferry.operator.dependent;

import dev.ferry.operator.FleetEvents;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.resources.AdminTokenSecret;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The Secret with the fleet's admin API token: created once with 256 random bits and kept, since a
 * new token would lock the operator out of pods that still run with the old one. Only a Secret that
 * lost its token is written again.
 */
public final class AdminTokenDependent extends PolledSecretDependent
        implements Creator<Secret, ServerFleet>, Updater<Secret, ServerFleet> {

    private static final Logger log = Logger.getLogger(AdminTokenDependent.class);

    private final String instance;

    /** {@code instance} names this operator replica in the Events it writes. */
    public AdminTokenDependent(String instance) {
        this.instance = instance;
    }

    @Override
    Optional<String> secretName(ServerFleet fleet) {
        return Optional.of(AdminTokenSecret.name(fleet));
    }

    /** A new random token each call: only used when the Secret is missing or holds no token. */
    @Override
    protected Secret desired(ServerFleet fleet, Context<ServerFleet> context) {
        return AdminTokenSecret.desired(fleet, AdminTokenSecret.newToken());
    }

    /** The Secret satisfies the fleet while it holds a token, whatever the token is. */
    @Override
    public Matcher.Result<Secret> match(Secret actual, ServerFleet fleet, Context<ServerFleet> context) {
        return Matcher.Result.nonComputed(AdminTokenSecret.token(actual).isPresent());
    }

    @Override
    public Secret create(Secret desired, ServerFleet fleet, Context<ServerFleet> context) {
        try {
            Secret created = context.getClient().secrets().resource(desired).create();
            told(fleet, context, created);
            return created;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            // Created by an earlier reconciliation the poll has not seen yet: the existing token stays.
            return context.getClient()
                    .secrets()
                    .inNamespace(desired.getMetadata().getNamespace())
                    .withName(desired.getMetadata().getName())
                    .get();
        }
    }

    @Override
    public Secret update(Secret actual, Secret desired, ServerFleet fleet, Context<ServerFleet> context) {
        Secret written = apply(desired, context);
        told(fleet, context, written);
        return written;
    }

    /** The fleet's admin token as last read, without a request once it was read. */
    public Optional<String> token(ServerFleet fleet) {
        return current(fleet).flatMap(AdminTokenSecret::token);
    }

    private void told(ServerFleet fleet, Context<ServerFleet> context, Secret secret) {
        log.infof(
                "Created admin token Secret %s/%s",
                secret.getMetadata().getNamespace(), secret.getMetadata().getName());
        new FleetEvents(context.getClient(), instance)
                .normal(
                        fleet,
                        "AdminTokenCreated",
                        "Create",
                        secret,
                        "Generated the admin API token in Secret "
                                + secret.getMetadata().getName() + ".");
    }
}
