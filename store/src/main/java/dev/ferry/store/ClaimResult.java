package dev.ferry.store;

import java.time.Duration;

/** Outcome of {@link ContextStore#claim}. */
public sealed interface ClaimResult {
    /**
     * This caller owns the session now.
     *
     * @param previousClaimant null for a fresh claim; otherwise the server whose claim went
     *     unconfirmed past its deadline and was taken over (it died, or lost its client, before
     *     confirming)
     * @param ttlLeft how long the record had left to live when the claim ran: a claimant that hands
     *     the context back (its client gave up on it) exports it with this TTL, so handing back never
     *     lengthens the time the timers give the session
     */
    record Claimed(byte[] payload, String previousClaimant, Duration ttlLeft) implements ClaimResult {
        public Claimed {
            java.util.Objects.requireNonNull(payload, "payload");
            java.util.Objects.requireNonNull(ttlLeft, "ttlLeft");
        }
    }

    /** No record: the context expired, was deleted, or never existed. */
    record Expired() implements ClaimResult {}

    /** A record exists but the presented token does not match it. Nothing changed. */
    record BadToken() implements ClaimResult {}

    /** Someone else claimed the context already. */
    record AlreadyClaimed(String claimant) implements ClaimResult {}

    /**
     * Another server claimed the context but has not confirmed it yet; if it has not within
     * {@code retryAfter}, a claim with the session's token takes it over. Nothing changed.
     */
    record Unconfirmed(String claimant, Duration retryAfter) implements ClaimResult {}
}
