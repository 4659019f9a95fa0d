package dev.ferry.server;

import dev.ferry.protocol.SessionId;
import dev.ferry.store.ClaimResult;
import dev.ferry.store.ContextStore;
import dev.ferry.store.ExportedContext;
import dev.ferry.store.InMemoryContextStore;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** An in-memory store whose write-through saves fail while {@link #down} is set, as an unreachable Redis would. */
final class SaveFailingStore implements ContextStore {
    final InMemoryContextStore delegate = new InMemoryContextStore();
    volatile boolean down;

    @Override
    public CompletableFuture<Boolean> save(SessionId id, ExportedContext context, String owner, List<String> ownClaimants, Duration ttl) {
        if (down) return CompletableFuture.failedFuture(new java.io.IOException("store unreachable (test)"));
        return delegate.save(id, context, owner, ownClaimants, ttl);
    }

    @Override
    public CompletableFuture<Void> export(SessionId id, ExportedContext context, Duration ttl) { return delegate.export(id, context, ttl); }

    @Override
    public CompletableFuture<ClaimResult> claim(SessionId id, byte[] tokenSha256, String claimant, Duration tombstoneTtl,
            Duration confirmWithin) {
        return delegate.claim(id, tokenSha256, claimant, tombstoneTtl, confirmWithin);
    }

    @Override
    public CompletableFuture<Boolean> confirm(SessionId id, String claimant, Duration tombstoneTtl) {
        return delegate.confirm(id, claimant, tombstoneTtl);
    }

    @Override
    public CompletableFuture<Boolean> expire(SessionId id, Duration ttl) { return delegate.expire(id, ttl); }

    @Override
    public CompletableFuture<Void> delete(SessionId id) { return delegate.delete(id); }

    @Override
    public CompletableFuture<Void> ping() { return delegate.ping(); }

    @Override
    public String describe() { return "save-failing(" + delegate.describe() + ")"; }

    @Override
    public void close() { delegate.close(); }
}
