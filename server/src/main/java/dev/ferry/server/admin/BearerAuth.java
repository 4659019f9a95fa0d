package dev.ferry.server.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;

/**
 * Checks {@code Authorization: Bearer <token>}. Both tokens are hashed before the constant-time
 * compare, so neither the content nor the length of the expected token leaks through timing.
 * The token never appears in a log line or an error message.
 */
final class BearerAuth {
    private static final String SCHEME = "bearer ";
    private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Bearer realm=\"ferry-admin\"");
    private static final Map<String, String> INVALID_TOKEN_CHALLENGE =
            Map.of("WWW-Authenticate", "Bearer realm=\"ferry-admin\", error=\"invalid_token\"");

    /** SHA-256 of the expected token, or null when authentication is off. */
    private final byte[] expectedHash;

    private BearerAuth(byte[] expectedHash) {
        this.expectedHash = expectedHash;
    }

    static BearerAuth of(AdminOptions options) {
        return new BearerAuth(options.insecureNoAuth() ? null : sha256(options.bearerToken()));
    }

    boolean enabled() {
        return expectedHash != null;
    }

    /** @throws AdminException 401 with a {@code WWW-Authenticate} challenge when the header is missing or wrong */
    void check(String authorization) throws AdminException {
        if (expectedHash == null) return;
        if (authorization == null || authorization.isBlank()) {
            throw new AdminException(
                    401,
                    "missing Authorization header: send 'Authorization: Bearer <token>' "
                            + "with the fleet's admin token",
                    CHALLENGE);
        }
        if (authorization.length() < SCHEME.length()
                || !authorization
                        .substring(0, SCHEME.length())
                        .toLowerCase(Locale.ROOT)
                        .equals(SCHEME)) {
            throw new AdminException(
                    401,
                    "the Authorization header must use the Bearer scheme: " + "'Authorization: Bearer <token>'",
                    CHALLENGE);
        }
        String presented = authorization.substring(SCHEME.length()).strip();
        if (!MessageDigest.isEqual(expectedHash, sha256(presented))) {
            throw new AdminException(
                    401,
                    "invalid bearer token in the Authorization header: use the admin token from the fleet's Secret",
                    INVALID_TOKEN_CHALLENGE);
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
