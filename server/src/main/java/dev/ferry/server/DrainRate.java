package dev.ferry.server;

import java.util.concurrent.TimeUnit;

/**
 * A rate-limited drain's token bucket: how many sessions it may ask now. Tokens come due at the
 * rate; at each look the whole ones are handed out, and what the drain does not spend then is
 * dropped, so a drain held up by its other limits never catches up in a burst. While it waits for
 * nothing but tokens they add up from one look to the next (at most one second's worth, should its
 * scheduler stall); otherwise only the last {@link #LOOK_EVERY_NANOS} count, as if it had looked
 * that often.
 */
final class DrainRate {
    /** How often a drain waiting for tokens looks at most: a high rate is spent in batches, not one wake-up per session. */
    static final long LOOK_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final double perSecond;
    private double tokens;
    private long lastLook;
    private boolean waitingForTokens;

    DrainRate(double perSecond, long now) {
        if (!(perSecond > 0)) throw new IllegalArgumentException("a rate must be positive, was " + perSecond);
        this.perSecond = perSecond;
        this.lastLook = now;
    }

    /** @return the whole tokens due at {@code now}, all of them spent or dropped by the caller */
    int take(long now) {
        long since = waitingForTokens ? now - lastLook : Math.min(now - lastLook, LOOK_EVERY_NANOS);
        tokens = Math.min(perSecond, tokens + perSecond * since / 1e9);
        lastLook = now;
        int whole = (int) tokens;
        tokens -= whole;
        return whole;
    }

    /** Whether, after the last {@link #take}, the drain waits for tokens alone: it had sessions left to ask and room for them. */
    void waitingForTokens(boolean waiting) {
        waitingForTokens = waiting;
    }

    boolean waitingForTokens() {
        return waitingForTokens;
    }

    /** @return nanoseconds from {@code now} until the drain should look again for its next token */
    long nanosUntilNextLook(long now) {
        long untilToken = (long) Math.ceil((1 - tokens) * 1e9 / perSecond);
        return Math.max(0, lastLook + Math.max(LOOK_EVERY_NANOS, untilToken) - now);
    }
}
