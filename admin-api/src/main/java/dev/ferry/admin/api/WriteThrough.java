package dev.ferry.admin.api;

/**
 * Whether sessions are saved at every command boundary, and how those saves went ({@code
 * writeThrough} of the status).
 *
 * @param refused saves the store refused because another server holds the session
 */
public record WriteThrough(boolean enabled, long attempts, long failed, long refused) {}
