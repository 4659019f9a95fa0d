package dev.ferry.admin.api;

/**
 * Body of {@code DELETE /v1/drain}'s answer: the server serves again.
 *
 * @param cancelled migrations called off (sessions asked to migrate that had not moved yet)
 */
public record CancelDrainResponse(int cancelled) {}
