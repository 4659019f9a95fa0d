package dev.ferry.server.admin;

import java.util.function.LongSupplier;

/**
 * Rate limit for the mutating endpoints: {@code ratePerSecond} tokens a second, holding at most
 * one second's worth (at least one), so a burst is bounded too. Thread-safe.
 */
final class TokenBucket {
    private final double ratePerSecond;
    private final double capacity;
    private final LongSupplier nanoTime;
    private double tokens;
    private long lastRefill;

    TokenBucket(double ratePerSecond, LongSupplier nanoTime) {
        this.ratePerSecond = ratePerSecond;
        this.capacity = Math.max(1, ratePerSecond);
        this.nanoTime = nanoTime;
        this.tokens = capacity;
        this.lastRefill = nanoTime.getAsLong();
    }

    /** Takes one token. @return 0 if taken, else how many nanoseconds until one is available */
    synchronized long tryAcquire() {
        long now = nanoTime.getAsLong();
        tokens = Math.min(capacity, tokens + (now - lastRefill) * ratePerSecond / 1e9);
        lastRefill = now;
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return (long) Math.ceil((1 - tokens) / ratePerSecond * 1e9);
    }
}
