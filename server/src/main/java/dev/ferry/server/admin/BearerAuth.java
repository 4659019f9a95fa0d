package dev.ferry.server.admin;

import dev.ferry.admin.api.AdminPaths;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;

/**
 * Checks the fleet's admin token, which a caller sends in either of two headers:
 *
 * <ul>
 *   <li>{@code Authorization: Bearer <token>}, the usual way;
 *   <li>{@value #TOKEN_HEADER}{@code : <token>}, for callers that reach the pod through a proxy that
 *       consumes {@code Authorization} itself: kube-apiserver's pod proxy
 *       ({@code /api/v1/namespaces/NS/pods/NAME:PORT/proxy/...}) authenticates the caller with that
 *       header and removes it before it forwards the request.
 * </ul>
 *
 * <p>At least one must be present, and every one that is present must carry the right token (a wrong
 * token in either is refused even when the other is right). Both tokens are hashed before the
 * constant-time compare, so neither the content nor the length of the expected token leaks through
 * timing. The token never appears in a log line or an error message.
 */
final class BearerAuth {
    /** The second header that carries the token, for callers behind a proxy that removes Authorization. */
    static final String TOKEN_HEADER = AdminPaths.TOKEN_HEADER;

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

    /**
     * @param authorization the Authorization header, or null
     * @param adminToken    the {@value #TOKEN_HEADER} header, or null
     * @throws AdminException 401 with a {@code WWW-Authenticate} challenge when both headers are missing, or
     *     one that is present is malformed or wrong
     */
    void check(String authorization, String adminToken) throws AdminException {
        if (expectedHash == null) return;
        boolean hasAuthorization = authorization != null && !authorization.isBlank();
        boolean hasAdminToken = adminToken != null && !adminToken.isBlank();
        if (!hasAuthorization && !hasAdminToken) {
            throw new AdminException(
                    401,
                    "missing admin token: send 'Authorization: Bearer <token>' (or '" + TOKEN_HEADER
                            + ": <token>' through a proxy that removes the Authorization header, such as "
                            + "kube-apiserver's pod proxy) with the fleet's admin token",
                    CHALLENGE);
        }
        // Both compares run whenever both headers are present, so the answer's timing says nothing about which failed.
        boolean authorizationOk = !hasAuthorization || checkAuthorization(authorization);
        boolean adminTokenOk = !hasAdminToken || MessageDigest.isEqual(expectedHash, sha256(adminToken.strip()));
        if (!authorizationOk) {
            throw new AdminException(
                    401,
                    "invalid bearer token in the Authorization header: use the admin token from the fleet's Secret",
                    INVALID_TOKEN_CHALLENGE);
        }
        if (!adminTokenOk) {
            throw new AdminException(
                    401,
                    "invalid admin token in the " + TOKEN_HEADER
                            + " header: use the admin token from the fleet's Secret",
                    INVALID_TOKEN_CHALLENGE);
        }
    }

    /** @throws AdminException when the header does not use the Bearer scheme; false when the token is wrong */
    private boolean checkAuthorization(String authorization) throws AdminException {
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
        return MessageDigest.isEqual(expectedHash, sha256(presented));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
