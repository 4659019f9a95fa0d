package dev.ferry.server.admin;

/**
 * One HTTP request as the router sees it, detached from Netty (the body is copied out, so the
 * Netty buffer is released before any work starts).
 *
 * @param method        upper-case HTTP method
 * @param path          the path without the query string
 * @param authorization the Authorization header, or null
 * @param adminToken    the {@value BearerAuth#TOKEN_HEADER} header, or null
 * @param contentType   the Content-Type header, or null
 * @param body          the body bytes (empty when none)
 */
record AdminRequest(
        String method, String path, String authorization, String adminToken, String contentType, byte[] body) {
    boolean hasBody() {
        return body.length > 0;
    }
}
