package dev.ferry.store;

/** Outcome of {@link ContextStore#claim}. */
public sealed interface ClaimResult {
    /** This caller owns the session now. */
    record Claimed(byte[] payload) implements ClaimResult {}

    /** No record: the context expired, was deleted, or never existed. */
    record Expired() implements ClaimResult {}

    /** A record exists but the presented token does not match it. Nothing changed. */
    record BadToken() implements ClaimResult {}

    /** Someone else claimed the context already. */
    record AlreadyClaimed(String claimant) implements ClaimResult {}
}
