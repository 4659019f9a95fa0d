package dev.ferry.operator.dependent;

import dev.ferry.operator.FleetEvents;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.TlsMode;
import dev.ferry.operator.resources.FleetTlsSecrets;
import dev.ferry.operator.tls.FleetCertificates;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import java.time.Instant;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The fleet's CA with {@code tls.mode: Generated}, in Secret {@code <fleet>-ca}: created once and kept,
 * since pods and clients trust it. Only a CA that is missing, incomplete or about to expire is
 * replaced. Nothing is read or written for a fleet with another TLS mode.
 */
public final class FleetCaDependent extends PolledSecretDependent
        implements Creator<Secret, ServerFleet>, Updater<Secret, ServerFleet> {

    private static final Logger log = Logger.getLogger(FleetCaDependent.class);

    private final String instance;

    /** {@code instance} names this operator replica in the Events it writes. */
    public FleetCaDependent(String instance) {
        this.instance = instance;
    }

    @Override
    Optional<String> secretName(ServerFleet fleet) {
        return FleetTlsSecrets.mode(fleet) == TlsMode.Generated
                ? Optional.of(FleetTlsSecrets.caName(fleet))
                : Optional.empty();
    }

    /** A new CA each call: only used when the Secret holds no usable one. */
    @Override
    protected Secret desired(ServerFleet fleet, Context<ServerFleet> context) {
        return FleetTlsSecrets.ca(
                fleet,
                FleetCertificates.newCa(
                        fleet.getMetadata().getNamespace(), fleet.getMetadata().getName(), Instant.now()));
    }

    @Override
    public Matcher.Result<Secret> match(Secret actual, ServerFleet fleet, Context<ServerFleet> context) {
        return Matcher.Result.nonComputed(usable(actual, Instant.now()).isPresent());
    }

    @Override
    public Secret create(Secret desired, ServerFleet fleet, Context<ServerFleet> context) {
        Secret written = apply(desired, context);
        told(fleet, context, written, "FleetCaCreated", "Created the fleet CA in Secret ");
        return written;
    }

    @Override
    public Secret update(Secret actual, Secret desired, ServerFleet fleet, Context<ServerFleet> context) {
        Secret written = apply(desired, context);
        told(fleet, context, written, "FleetCaReplaced", "Replaced an unusable or expiring fleet CA in Secret ");
        return written;
    }

    /** The fleet's CA as last read, when it is there and usable. */
    Optional<FleetCertificates.Issued> ca(ServerFleet fleet) {
        return current(fleet).flatMap(secret -> usable(secret, Instant.now()));
    }

    private static Optional<FleetCertificates.Issued> usable(Secret secret, Instant now) {
        return FleetTlsSecrets.caOf(secret).filter(c -> FleetCertificates.caUsable(c.certificatePem(), now));
    }

    private void told(ServerFleet fleet, Context<ServerFleet> context, Secret secret, String reason, String note) {
        String name = secret.getMetadata().getName();
        log.infof("%s%s/%s", note, secret.getMetadata().getNamespace(), name);
        new FleetEvents(context.getClient(), instance).normal(fleet, reason, "Create", secret, note + name + ".");
    }
}
