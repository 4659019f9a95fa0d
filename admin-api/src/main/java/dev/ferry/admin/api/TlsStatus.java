package dev.ferry.admin.api;

/**
 * Whether the client port serves TLS, and how renewed certificates were picked up ({@code tls} of
 * the status).
 *
 * @param reloads           certificate reloads since start (0 without TLS)
 * @param lastReloadFailure why the last reload failed, or null
 */
public record TlsStatus(boolean enabled, long reloads, String lastReloadFailure) {}
