package dev.ferry.server.admin;

import dev.ferry.store.ContextStore;
import dev.ferry.store.ForwardingContextStore;
import dev.ferry.store.StoreUnavailableException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory store whose ping a test can make fail or hang, and whose pings it can count. */
final class PingableStore extends ForwardingContextStore {
    enum PingMode {
        ANSWER,
        FAIL,
        HANG
    }

    private final AtomicInteger pings = new AtomicInteger();
    private volatile PingMode mode = PingMode.ANSWER;

    PingableStore(ContextStore delegate) {
        super(delegate);
    }

    void pingMode(PingMode mode) {
        this.mode = mode;
    }

    int pings() {
        return pings.get();
    }

    @Override
    public CompletableFuture<Void> ping() {
        pings.incrementAndGet();
        return switch (mode) {
            case ANSWER -> delegate.ping();
            case FAIL ->
                CompletableFuture.failedFuture(new StoreUnavailableException("connection refused (test)", null));
            case HANG -> new CompletableFuture<>();
        };
    }

    @Override
    public String describe() {
        return "pingable(" + delegate.describe() + ")";
    }
}
