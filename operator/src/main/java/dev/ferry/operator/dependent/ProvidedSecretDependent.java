package dev.ferry.operator.dependent;

import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.TlsMode;
import dev.ferry.operator.resources.FleetTlsSecrets;
import dev.ferry.operator.tls.FleetCertificates;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.List;
import java.util.Optional;

/**
 * The user's Secret with {@code tls.mode: Provided} ({@code tls.secretName}): read, never written. Its
 * ca.crt is the CA the operator trusts for the fleet's pods. While it is missing or incomplete it is
 * read again every {@link #SOON}, so the fleet goes on soon after the user has fixed it.
 */
public final class ProvidedSecretDependent extends PolledSecretDependent {

    @Override
    Optional<String> secretName(ServerFleet fleet) {
        return FleetTlsSecrets.mode(fleet) == TlsMode.Provided ? FleetTlsSecrets.servingName(fleet) : Optional.empty();
    }

    @Override
    boolean pollSoon(Optional<Secret> read) {
        return read.map(ProvidedSecretDependent::problem)
                .orElse(Optional.of("missing"))
                .isPresent();
    }

    /**
     * The CA in the user's Secret as last read.
     *
     * @throws IllegalStateException with a message that says what to fix when the Secret is missing or
     *     incomplete
     */
    String trustedCa(ServerFleet fleet) {
        String ns = fleet.getMetadata().getNamespace();
        String name = FleetTlsSecrets.servingName(fleet).orElseThrow();
        Secret secret = current(fleet)
                .orElseThrow(() -> new IllegalStateException("tls.secretName: Secret " + ns + "/" + name
                        + " does not exist; create a kubernetes.io/tls Secret with tls.crt, tls.key (PKCS#8)"
                        + " and ca.crt, or set tls.mode to Generated"));
        problem(secret).ifPresent(problem -> {
            throw new IllegalStateException("tls.secretName: Secret " + ns + "/" + name + problem);
        });
        return FleetTlsSecrets.text(secret, FleetTlsSecrets.CA_CERT).orElseThrow();
    }

    /** What is wrong with the user's Secret, as the end of a sentence that starts with its name. */
    private static Optional<String> problem(Secret secret) {
        for (String key : List.of(FleetTlsSecrets.TLS_CERT, FleetTlsSecrets.TLS_KEY, FleetTlsSecrets.CA_CERT)) {
            if (FleetTlsSecrets.text(secret, key).isEmpty()) {
                return Optional.of(" has no " + key + "; it needs tls.crt, tls.key (PKCS#8) and ca.crt"
                        + " (the CA that signed tls.crt, which the operator trusts)");
            }
        }
        try {
            FleetCertificates.certificates(
                    FleetTlsSecrets.text(secret, FleetTlsSecrets.CA_CERT).orElseThrow());
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(": ca.crt is not a PEM certificate: " + e.getMessage());
        }
    }
}
