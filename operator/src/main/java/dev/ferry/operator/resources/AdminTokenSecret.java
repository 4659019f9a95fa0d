package dev.ferry.operator.resources;

import dev.ferry.operator.model.ServerFleet;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * The Secret with the bearer token of the fleet's admin API. The token is generated once and kept:
 * a new token would lock the operator out of pods that still run with the old one.
 */
public final class AdminTokenSecret {

    public static final String KEY = "token";
    private static final SecureRandom RANDOM = new SecureRandom();

    private AdminTokenSecret() {}

    public static String name(ServerFleet fleet) {
        return fleet.getMetadata().getName() + "-admin-token";
    }

    /** The Secret holding {@code token}; the caller supplies the token (existing or {@link #newToken()}). */
    public static Secret desired(ServerFleet fleet, String token) {
        return new SecretBuilder()
                .withMetadata(FleetLabels.ownedMetadata(fleet, name(fleet)))
                .withType("Opaque")
                .withData(Map.of(KEY, Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8))))
                .build();
    }

    /** The token a Secret holds, if it holds one. */
    public static Optional<String> token(Secret secret) {
        if (secret == null || secret.getData() == null || secret.getData().get(KEY) == null) {
            return Optional.empty();
        }
        String token = new String(Base64.getDecoder().decode(secret.getData().get(KEY)), StandardCharsets.UTF_8);
        return token.isBlank() ? Optional.empty() : Optional.of(token);
    }

    /** 256 random bits, URL-safe: the admin API compares it in constant time. */
    public static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
