package dev.ferry.server.admin;

import dev.ferry.protocol.SessionId;
import dev.ferry.store.ClaimResult;
import dev.ferry.store.ContextStore;
import dev.ferry.store.ExportedContext;
import dev.ferry.store.StoreUnavailableException;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory store whose ping a test can make fail or hang, and whose pings it can count. */
final class PingableStore implements ContextStore {
    enum PingMode { ANSWER, FAIL, HANG }

    private final ContextStore delegate;
    private final AtomicInteger pings = new AtomicInteger();
    private volatile PingMode mode = PingMode.ANSWER;

    PingableStore(ContextStore delegate) {
        this.delegate = delegate;
    }

    void pingMode(PingMode mode) { this.mode = mode; }

    int pings() { return pings.get(); }

    @Override
    public CompletableFuture<Void> ping() {
        pings.incrementAndGet();
        return switch (mode) {
            case ANSWER -> delegate.ping();
            case FAIL -> CompletableFuture.failedFuture(new StoreUnavailableException("connection refused (test)", null));
            case HANG -> new CompletableFuture<>();
        };
    }

    @Override
    public CompletableFuture<Void> export(SessionId id, ExportedContext context, Duration ttl) { return delegate.export(id, context, ttl); }

    @Override
    public CompletableFuture<Boolean> save(SessionId id, ExportedContext context, String owner, java.util.List<String> ownClaimants, Duration ttl) {
        return delegate.save(id, context, owner, ownClaimants, ttl);
    }

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
    public String describe() { return "pingable(" + delegate.describe() + ")"; }

    @Override
    public void close() { delegate.close(); }
}
