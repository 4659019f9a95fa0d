package dev.ferry.server.admin;

import dev.ferry.store.ContextStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Whether the context store answers, for the readiness probe. One ping at a time is in flight
 * and its result is reused for a short while, so however many probes arrive, the store sees at
 * most about one ping per cache period. Never blocks: callers get a future.
 */
final class StoreHealth {
    /** The outcome of one ping: {@code problem} is null when the store answered in time. */
    record Result(String problem) {
        boolean up() {
            return problem == null;
        }
    }

    private final ContextStore store;
    private final Duration timeout;
    private final long cacheNanos;
    private final LongSupplier nanoTime;
    private CompletableFuture<Result> last;
    private long lastStarted;

    /** @param store null when the caller did not hand one over: readiness then does not check it */
    StoreHealth(ContextStore store, Duration timeout, Duration cacheTtl, LongSupplier nanoTime) {
        this.store = store;
        this.timeout = timeout;
        this.cacheNanos = cacheTtl.toNanos();
        this.nanoTime = nanoTime;
    }

    boolean checksStore() {
        return store != null;
    }

    synchronized CompletableFuture<Result> check() {
        if (store == null) return CompletableFuture.completedFuture(new Result(null));
        long now = nanoTime.getAsLong();
        boolean fresh = last != null && (!last.isDone() || now - lastStarted < cacheNanos);
        if (fresh) return last;
        lastStarted = now;
        last = ping();
        return last;
    }

    private CompletableFuture<Result> ping() {
        CompletableFuture<Void> pong;
        try {
            // copy(): the timeout must complete our view of the ping, not the store's own future.
            pong = store.ping().copy();
        } catch (RuntimeException e) {
            pong = CompletableFuture.failedFuture(e);
        }
        return pong.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((ok, error) -> new Result(error == null ? null : describe(error)));
    }

    private String describe(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof TimeoutException) {
            return "the context store (" + store.describe() + ") did not answer a ping within " + timeout.toMillis()
                    + " ms";
        }
        return "the context store (" + store.describe() + ") is unreachable: " + cause;
    }
}
