package dev.ferry.operator.resources;

import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.TlsMode;
import dev.ferry.operator.model.TlsSpec;
import dev.ferry.operator.tls.FleetCertificates;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Secrets of a fleet with TLS: with {@code Generated}, {@code <fleet>-ca} (the fleet's CA and
 * its key, read only by the operator) and {@code <fleet>-tls} (type kubernetes.io/tls: the serving
 * certificate, its key and ca.crt, which the pods mount and clients may read to trust the fleet);
 * with {@code Provided}, the user's Secret in place of {@code <fleet>-tls}.
 */
public final class FleetTlsSecrets {

    public static final String CA_CERT = "ca.crt";
    public static final String CA_KEY = "ca.key";
    public static final String TLS_CERT = "tls.crt";
    public static final String TLS_KEY = "tls.key";
    /**
     * On the fleet: set or change its value to have the serving certificate issued again now, in place (the Secret is
     * updated, never missing). The Secret records the value it was issued for.
     */
    public static final String RENEW_ANNOTATION = "ferry.dev/renew-certificate";

    /** Where the server container finds tls.crt and tls.key. */
    public static final String MOUNT_PATH = "/etc/ferry/tls";

    public static final String VOLUME = "ferry-tls";

    private FleetTlsSecrets() {}

    public static TlsMode mode(ServerFleet fleet) {
        TlsSpec tls = fleet.getSpec().getTls();
        return tls == null || tls.getMode() == null ? TlsMode.Disabled : tls.getMode();
    }

    public static String caName(ServerFleet fleet) {
        return fleet.getMetadata().getName() + "-ca";
    }

    /** The Secret the pods mount: {@code <fleet>-tls}, or the user's with Provided; empty when TLS is off. */
    public static Optional<String> servingName(ServerFleet fleet) {
        return switch (mode(fleet)) {
            case Disabled -> Optional.empty();
            case Generated -> Optional.of(fleet.getMetadata().getName() + "-tls");
            case Provided -> Optional.of(fleet.getSpec().getTls().getSecretName());
        };
    }

    /**
     * The names a generated certificate holds: the client and admin Services' cluster DNS names (a
     * client that reaches the fleet through its Service verifies the host name as usual). The first,
     * {@code <fleet>.<namespace>.svc}, is the name the operator requires when it calls a pod.
     */
    public static List<String> dnsNames(ServerFleet fleet) {
        String ns = fleet.getMetadata().getNamespace();
        List<String> names = new ArrayList<>();
        for (String service : List.of(ClientService.name(fleet), AdminService.name(fleet))) {
            names.add(service + "." + ns + ".svc");
            names.add(service + "." + ns + ".svc.cluster.local");
            names.add(service + "." + ns);
            names.add(service);
        }
        return names;
    }

    /** The name the operator requires in a pod's certificate: the client Service's DNS name. */
    public static String expectedName(ServerFleet fleet) {
        return dnsNames(fleet).get(0);
    }

    public static Secret ca(ServerFleet fleet, FleetCertificates.Issued ca) {
        return secret(fleet, caName(fleet), "Opaque", Map.of(CA_CERT, ca.certificatePem(), CA_KEY, ca.privateKeyPem()));
    }

    public static Secret serving(ServerFleet fleet, FleetCertificates.Issued serving, String caPem) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(TLS_CERT, serving.certificatePem());
        data.put(TLS_KEY, serving.privateKeyPem());
        data.put(CA_CERT, caPem);
        Secret secret = secret(fleet, servingName(fleet).orElseThrow(), "kubernetes.io/tls", data);
        renewalRequest(fleet)
                .ifPresent(value -> secret.getMetadata().getAnnotations().put(RENEW_ANNOTATION, value));
        return secret;
    }

    /** The value of the fleet's {@link #RENEW_ANNOTATION}, if set. */
    public static Optional<String> renewalRequest(ServerFleet fleet) {
        return Optional.ofNullable(fleet.getMetadata().getAnnotations()).map(a -> a.get(RENEW_ANNOTATION));
    }

    /** Whether the serving Secret was issued for the fleet's current renewal request (or none was ever made). */
    public static boolean issuedForRenewalRequest(Secret secret, ServerFleet fleet) {
        Optional<String> requested = renewalRequest(fleet);
        if (requested.isEmpty()) {
            return true;
        }
        Map<String, String> annotations = secret.getMetadata().getAnnotations();
        return annotations != null && requested.get().equals(annotations.get(RENEW_ANNOTATION));
    }

    /** The CA certificate and key a CA Secret holds, if both are there. */
    public static Optional<FleetCertificates.Issued> caOf(Secret secret) {
        Optional<String> cert = text(secret, CA_CERT);
        Optional<String> key = text(secret, CA_KEY);
        return cert.isPresent() && key.isPresent()
                ? Optional.of(new FleetCertificates.Issued(cert.get(), key.get()))
                : Optional.empty();
    }

    /** A key of a Secret as text. */
    public static Optional<String> text(Secret secret, String key) {
        if (secret == null) {
            return Optional.empty();
        }
        if (secret.getData() != null && secret.getData().get(key) != null) {
            return Optional.of(
                    new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8));
        }
        if (secret.getStringData() != null && secret.getStringData().get(key) != null) {
            return Optional.of(secret.getStringData().get(key));
        }
        return Optional.empty();
    }

    private static Secret secret(ServerFleet fleet, String name, String type, Map<String, String> data) {
        Map<String, String> encoded = new LinkedHashMap<>();
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return new SecretBuilder()
                .withMetadata(FleetLabels.ownedMetadata(fleet, name))
                .withType(type)
                .withData(encoded)
                .build();
    }
}
