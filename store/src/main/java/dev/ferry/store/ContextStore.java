package dev.ferry.store;

import dev.ferry.protocol.SessionId;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The shared store that carries a session's context from the server it leaves to the server
 * that resumes it. Keyed by session ID; every record has a TTL.
 *
 * <p>A record is either <em>exported</em> (waiting for a server to resume it) or
 * <em>claimed</em> (a small tombstone that remembers who claimed it, so a second resume gets
 * {@link ClaimResult.AlreadyClaimed} rather than {@link ClaimResult.Expired}).
 *
 * <p>Every method is non-blocking and may be called from any thread. A store that cannot be
 * reached completes the future exceptionally with {@link StoreUnavailableException}; it never
 * hangs longer than its configured command timeout.
 */
public interface ContextStore extends AutoCloseable {

    /**
     * Writes an exported context, replacing any record for {@code id} (exported or claimed),
     * with a time to live of {@code ttl}.
     *
     * @throws IllegalArgumentException if {@code ttl} is not positive (a session idle timer of 0
     *     means "delete", see {@link #delete})
     */
    CompletableFuture<Void> export(SessionId id, ExportedContext context, Duration ttl);

    /**
     * Atomically claims an exported context: if the record is exported and its token hash equals
     * {@code tokenSha256}, replaces it with a tombstone naming {@code claimant} (kept for
     * {@code tombstoneTtl}) and returns the context. Of any number of concurrent claims, at most one
     * returns {@link ClaimResult.Claimed}. A claim with the wrong hash changes nothing.
     * A {@code tombstoneTtl} of zero leaves no tombstone (a later claim then sees
     * {@link ClaimResult.Expired}); a negative one is an {@link IllegalArgumentException}.
     */
    default CompletableFuture<ClaimResult> claim(
            SessionId id, byte[] tokenSha256, String claimant, Duration tombstoneTtl) {
        return claim(id, tokenSha256, claimant, tombstoneTtl, Duration.ZERO);
    }

    /**
     * Claims like {@link #claim(SessionId, byte[], String, Duration)}, but with a positive
     * {@code confirmWithin} the claim is provisional: the record keeps the context, and until
     * {@code claimant} calls {@link #confirm} another claim with the session's token gets
     * {@link ClaimResult.Unconfirmed}. Once {@code confirmWithin} has passed unconfirmed, such a
     * claim takes the session over ({@link ClaimResult.Claimed#previousClaimant()} names the
     * claimant that never confirmed). This is what keeps a session whose target died between
     * claiming it and telling the client: the client tries again elsewhere and that server takes
     * it over. A zero {@code confirmWithin} confirms at once.
     */
    CompletableFuture<ClaimResult> claim(
            SessionId id, byte[] tokenSha256, String claimant, Duration tombstoneTtl, Duration confirmWithin);

    /**
     * Confirms {@code claimant}'s provisional claim: the record becomes a tombstone kept for
     * {@code tombstoneTtl} (zero: deleted). Also true when the claim is already confirmed, or when
     * the claimant has since saved the session by write-through.
     *
     * @return false if the session is no longer the claimant's (taken over, or gone)
     */
    CompletableFuture<Boolean> confirm(SessionId id, String claimant, Duration tombstoneTtl);

    /**
     * Write-through: saves a live session's context so that it can be resumed if its server dies,
     * unless another server has taken the session over. The record is written (as an exported one,
     * owned by {@code owner}, TTL {@code ttl}) when there is none, when it is an exported record
     * this owner saved or exported, or when it is a claim by {@code owner} itself (or by one of
     * {@code ownClaimants}, e.g. its cancel claimant). It is left alone when another server claimed
     * the session or saved it since: the session lives there now.
     *
     * @return true if saved, false if the session belongs to another server
     * @throws IllegalArgumentException if {@code ttl} is not positive
     */
    CompletableFuture<Boolean> save(
            SessionId id, ExportedContext context, String owner, List<String> ownClaimants, Duration ttl);

    /** Sets a new TTL on an exported (unclaimed) record. @return false if there is none */
    CompletableFuture<Boolean> expire(SessionId id, Duration ttl);

    /** Deletes the record for {@code id}, exported or claimed; no-op if absent. */
    CompletableFuture<Void> delete(SessionId id);

    /** Round trip to the store; completes exceptionally if it cannot be reached. */
    CompletableFuture<Void> ping();

    /** A short human-readable description for logs and the admin API, without secrets. */
    String describe();

    @Override
    void close();
}
