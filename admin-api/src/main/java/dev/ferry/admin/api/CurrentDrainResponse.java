package dev.ferry.admin.api;

/** Body of {@code GET /v1/drain}: the running or last drain, or null when there was none. */
public record CurrentDrainResponse(DrainStatus drain) {}
