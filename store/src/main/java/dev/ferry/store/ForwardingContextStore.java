package dev.ferry.store;

import dev.ferry.protocol.SessionId;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A store that hands every call to another one: extend it and override what a wrapper changes
 * (metrics, fault injection in tests) instead of forwarding each method by hand.
 */
public abstract class ForwardingContextStore implements ContextStore {
    protected final ContextStore delegate;

    protected ForwardingContextStore(ContextStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public CompletableFuture<Void> export(SessionId id, ExportedContext context, Duration ttl) {
        return delegate.export(id, context, ttl);
    }

    @Override
    public CompletableFuture<ClaimResult> claim(
            SessionId id, byte[] tokenSha256, String claimant, Duration tombstoneTtl, Duration confirmWithin) {
        return delegate.claim(id, tokenSha256, claimant, tombstoneTtl, confirmWithin);
    }

    @Override
    public CompletableFuture<Boolean> confirm(SessionId id, String claimant, Duration tombstoneTtl) {
        return delegate.confirm(id, claimant, tombstoneTtl);
    }

    @Override
    public CompletableFuture<Boolean> save(
            SessionId id, ExportedContext context, String owner, List<String> ownClaimants, Duration ttl) {
        return delegate.save(id, context, owner, ownClaimants, ttl);
    }

    @Override
    public CompletableFuture<Boolean> expire(SessionId id, Duration ttl) {
        return delegate.expire(id, ttl);
    }

    @Override
    public CompletableFuture<Void> delete(SessionId id) {
        return delegate.delete(id);
    }

    @Override
    public CompletableFuture<Void> ping() {
        return delegate.ping();
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
