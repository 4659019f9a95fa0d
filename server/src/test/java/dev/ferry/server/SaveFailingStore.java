package dev.ferry.server;

import dev.ferry.protocol.SessionId;
import dev.ferry.store.ExportedContext;
import dev.ferry.store.ForwardingContextStore;
import dev.ferry.store.InMemoryContextStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** An in-memory store whose write-through saves fail while {@link #down} is set, as an unreachable Redis would. */
final class SaveFailingStore extends ForwardingContextStore {
    volatile boolean down;

    SaveFailingStore() {
        super(new InMemoryContextStore());
    }

    /** Records in the in-memory store underneath. */
    int recordCount() {
        return ((InMemoryContextStore) delegate).recordCount();
    }

    @Override
    public CompletableFuture<Boolean> save(
            SessionId id, ExportedContext context, String owner, List<String> ownClaimants, Duration ttl) {
        if (down) return CompletableFuture.failedFuture(new java.io.IOException("store unreachable (test)"));
        return delegate.save(id, context, owner, ownClaimants, ttl);
    }

    @Override
    public String describe() {
        return "save-failing(" + delegate.describe() + ")";
    }
}
