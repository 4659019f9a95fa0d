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
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The fleet's serving certificate with {@code tls.mode: Generated}, in Secret {@code <fleet>-tls}
 * (type kubernetes.io/tls, with ca.crt), which the pods mount: issued under the fleet's CA when it is
 * missing, when the names or the CA changed, at two thirds of its life, and when the fleet's
 * {@link FleetTlsSecrets#RENEW_ANNOTATION} has a value the Secret was not issued for. The renewal date is
 * checked on every reconciliation against the Secret as last read, so renewing costs no extra read.
 */
public final class ServingSecretDependent extends PolledSecretDependent
        implements Creator<Secret, ServerFleet>, Updater<Secret, ServerFleet> {

    private static final Logger log = Logger.getLogger(ServingSecretDependent.class);

    private final FleetCaDependent ca;
    private final String instance;

    /** {@code instance} names this operator replica in the Events it writes. */
    public ServingSecretDependent(FleetCaDependent ca, String instance) {
        this.ca = ca;
        this.instance = instance;
    }

    @Override
    Optional<String> secretName(ServerFleet fleet) {
        return FleetTlsSecrets.mode(fleet) == TlsMode.Generated ? FleetTlsSecrets.servingName(fleet) : Optional.empty();
    }

    /** A newly issued certificate each call: only used when the Secret's is missing or due. */
    @Override
    protected Secret desired(ServerFleet fleet, Context<ServerFleet> context) {
        FleetCertificates.Issued issuer = issuer(fleet);
        return FleetTlsSecrets.serving(
                fleet,
                FleetCertificates.issueServing(issuer, FleetTlsSecrets.dnsNames(fleet), Instant.now()),
                issuer.certificatePem());
    }

    @Override
    public Matcher.Result<Secret> match(Secret actual, ServerFleet fleet, Context<ServerFleet> context) {
        String caPem = issuer(fleet).certificatePem();
        List<String> names = FleetTlsSecrets.dnsNames(fleet);
        Optional<String> cert = FleetTlsSecrets.text(actual, FleetTlsSecrets.TLS_CERT);
        boolean current = cert.isPresent()
                && FleetTlsSecrets.text(actual, FleetTlsSecrets.TLS_KEY).isPresent()
                && caPem.equals(
                        FleetTlsSecrets.text(actual, FleetTlsSecrets.CA_CERT).orElse(""))
                && !FleetCertificates.needsRenewal(cert.get(), caPem, names, Instant.now())
                && FleetTlsSecrets.issuedForRenewalRequest(actual, fleet);
        return Matcher.Result.nonComputed(current);
    }

    @Override
    public Secret create(Secret desired, ServerFleet fleet, Context<ServerFleet> context) {
        return issued(fleet, context, apply(desired, context));
    }

    @Override
    public Secret update(Secret actual, Secret desired, ServerFleet fleet, Context<ServerFleet> context) {
        return issued(fleet, context, apply(desired, context));
    }

    private FleetCertificates.Issued issuer(ServerFleet fleet) {
        // The workflow reconciles the CA first and stops before this dependent when the CA failed.
        return ca.ca(fleet)
                .orElseThrow(() -> new IllegalStateException(
                        "Secret " + FleetTlsSecrets.caName(fleet) + " holds no usable CA yet"));
    }

    private Secret issued(ServerFleet fleet, Context<ServerFleet> context, Secret secret) {
        String name = secret.getMetadata().getName();
        List<String> names = FleetTlsSecrets.dnsNames(fleet);
        log.infof(
                "Issued the serving certificate in Secret %s/%s",
                secret.getMetadata().getNamespace(), name);
        new FleetEvents(context.getClient(), instance)
                .normal(
                        fleet,
                        "CertificateIssued",
                        "Create",
                        secret,
                        "Issued the fleet's serving certificate (valid "
                                + FleetCertificates.SERVING_VALIDITY.toDays() + " days, for " + names.get(0)
                                + ") in Secret " + name
                                + FleetTlsSecrets.renewalRequest(fleet)
                                        .map(v -> ", as " + FleetTlsSecrets.RENEW_ANNOTATION + "=" + v + " asks")
                                        .orElse("")
                                + ".");
        return secret;
    }
}
