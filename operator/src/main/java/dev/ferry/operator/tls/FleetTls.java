package dev.ferry.operator.tls;

import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.TlsMode;
import dev.ferry.operator.resources.FleetTlsSecrets;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Keeps a fleet's TLS Secrets as its spec says and tells the reconciler which CA to trust.
 *
 * <p>Generated: the CA Secret is created once and kept (pods and clients trust it); the serving
 * Secret is issued when missing, when its names changed, or at two thirds of its life. Provided:
 * the user's Secret must exist with tls.crt, tls.key and ca.crt.
 *
 * <p>The operator may only {@code get} Secrets by name (no list or watch: it must not be able to
 * read the cluster's Secrets), so what it verified is remembered per fleet and read again only
 * every {@link #RECHECK}, or at once when the spec changes: an idle reconcile costs no request.
 */
public final class FleetTls {

    /** How long a verified state is trusted before the Secrets are read again. */
    public static final Duration RECHECK = Duration.ofMinutes(5);

    private static final Logger log = Logger.getLogger(FleetTls.class);

    /** Reports what was created, for the fleet's Events. */
    public interface Events {
        void created(ServerFleet fleet, String reason, Secret secret, String note);
    }

    /** The fleet's TLS as last verified: the CA to trust, and when to look again. */
    private record Verified(String key, String caPem, Instant recheckAt) {}

    private final Map<String, Verified> verified = new ConcurrentHashMap<>();

    /**
     * The CA the operator trusts for the fleet's pods, after making sure the Secrets are there;
     * empty when TLS is off.
     *
     * @throws IllegalStateException with a message that says what to fix when a Provided Secret is
     *     missing or incomplete
     */
    public Optional<String> ensure(
            ServerFleet fleet, KubernetesClient client, Events events, Instant now, String fieldManager) {
        TlsMode mode = FleetTlsSecrets.mode(fleet);
        String uid = fleet.getMetadata().getUid();
        if (mode == TlsMode.Disabled) {
            verified.remove(uid);
            return Optional.empty();
        }
        String key =
                mode + "/" + FleetTlsSecrets.servingName(fleet).orElseThrow() + "/" + FleetTlsSecrets.dnsNames(fleet);
        Verified last = verified.get(uid);
        if (last != null && last.key().equals(key) && now.isBefore(last.recheckAt())) {
            return Optional.of(last.caPem());
        }
        String caPem = mode == TlsMode.Provided
                ? provided(fleet, client)
                : generated(fleet, client, events, now, fieldManager);
        Instant recheck = now.plus(RECHECK);
        verified.put(uid, new Verified(key, caPem, recheck));
        return Optional.of(caPem);
    }

    /**
     * The CA to trust for the fleet's pods as last verified by {@link #ensure}, without any request;
     * empty when TLS is off ({@code Optional.of(Optional.empty())}) is told apart from not verified yet
     * (empty).
     */
    public Optional<Optional<String>> verifiedCa(ServerFleet fleet) {
        if (FleetTlsSecrets.mode(fleet) == TlsMode.Disabled) {
            return Optional.of(Optional.empty());
        }
        Verified last = verified.get(fleet.getMetadata().getUid());
        return last == null ? Optional.empty() : Optional.of(Optional.of(last.caPem()));
    }

    public void forget(String fleetUid) {
        verified.remove(fleetUid);
    }

    public boolean tracks(String fleetUid) {
        return verified.containsKey(fleetUid);
    }

    private static String provided(ServerFleet fleet, KubernetesClient client) {
        String ns = fleet.getMetadata().getNamespace();
        String name = FleetTlsSecrets.servingName(fleet).orElseThrow();
        Secret secret = client.secrets().inNamespace(ns).withName(name).get();
        if (secret == null) {
            throw new IllegalStateException(
                    "tls.secretName: Secret " + ns + "/" + name + " does not exist; create a kubernetes.io/tls"
                            + " Secret with tls.crt, tls.key (PKCS#8) and ca.crt, or set tls.mode to Generated");
        }
        for (String k : List.of(FleetTlsSecrets.TLS_CERT, FleetTlsSecrets.TLS_KEY, FleetTlsSecrets.CA_CERT)) {
            if (FleetTlsSecrets.text(secret, k).isEmpty()) {
                throw new IllegalStateException(
                        "tls.secretName: Secret " + ns + "/" + name + " has no " + k
                                + "; it needs tls.crt, tls.key (PKCS#8) and ca.crt (the CA that signed tls.crt, which the operator trusts)");
            }
        }
        String caPem = FleetTlsSecrets.text(secret, FleetTlsSecrets.CA_CERT).orElseThrow();
        try {
            FleetCertificates.certificates(caPem);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("tls.secretName: ca.crt of Secret " + ns + "/" + name
                    + " is not a PEM certificate: " + e.getMessage());
        }
        return caPem;
    }

    private static String generated(
            ServerFleet fleet, KubernetesClient client, Events events, Instant now, String fieldManager) {
        String ns = fleet.getMetadata().getNamespace();
        Secret caSecret = client.secrets()
                .inNamespace(ns)
                .withName(FleetTlsSecrets.caName(fleet))
                .get();
        Optional<FleetCertificates.Issued> ca =
                FleetTlsSecrets.caOf(caSecret).filter(c -> FleetCertificates.caUsable(c.certificatePem(), now));
        if (ca.isEmpty()) {
            FleetCertificates.Issued fresh =
                    FleetCertificates.newCa(ns, fleet.getMetadata().getName(), now);
            Secret desired = FleetTlsSecrets.ca(fleet, fresh);
            client.secrets()
                    .resource(desired)
                    .fieldManager(fieldManager)
                    .forceConflicts()
                    .serverSideApply();
            log.infof(
                    "Created the fleet CA in Secret %s/%s",
                    ns, desired.getMetadata().getName());
            events.created(
                    fleet,
                    caSecret == null ? "FleetCaCreated" : "FleetCaReplaced",
                    desired,
                    (caSecret == null ? "Created" : "Replaced an unusable or expiring") + " fleet CA in Secret "
                            + desired.getMetadata().getName() + ".");
            ca = Optional.of(fresh);
        }
        String caPem = ca.get().certificatePem();
        String servingName = FleetTlsSecrets.servingName(fleet).orElseThrow();
        Secret serving = client.secrets().inNamespace(ns).withName(servingName).get();
        List<String> names = FleetTlsSecrets.dnsNames(fleet);
        Optional<String> cert = FleetTlsSecrets.text(serving, FleetTlsSecrets.TLS_CERT);
        boolean due = cert.isEmpty()
                || FleetTlsSecrets.text(serving, FleetTlsSecrets.TLS_KEY).isEmpty()
                || !caPem.equals(
                        FleetTlsSecrets.text(serving, FleetTlsSecrets.CA_CERT).orElse(""))
                || FleetCertificates.needsRenewal(cert.get(), caPem, names, now);
        if (due) {
            Secret desired =
                    FleetTlsSecrets.serving(fleet, FleetCertificates.issueServing(ca.get(), names, now), caPem);
            client.secrets()
                    .resource(desired)
                    .fieldManager(fieldManager)
                    .forceConflicts()
                    .serverSideApply();
            log.infof("Issued the serving certificate in Secret %s/%s", ns, servingName);
            events.created(
                    fleet,
                    "CertificateIssued",
                    desired,
                    "Issued the fleet's serving certificate (valid " + FleetCertificates.SERVING_VALIDITY.toDays()
                            + " days, for " + names.get(0) + ") in Secret " + servingName + ".");
        }
        return caPem;
    }
}
