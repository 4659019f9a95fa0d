package dev.ferry.server;

import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * The sessions a drain asked to move that are on their way (REQUESTED or READY, connection open),
 * oldest first. Each counts for at most {@code countsFor} nanoseconds after it was asked, so a few
 * clients that never act on MIGRATE cannot hold a drain up. Not thread-safe: the drain's.
 */
final class SessionsOnTheirWay {
    private final long countsFor;
    private final LinkedHashMap<ServerSession, Long> askedAt = new LinkedHashMap<>();

    SessionsOnTheirWay(long countsForNanos) {
        this.countsFor = countsForNanos;
    }

    void asked(ServerSession s, long now) {
        askedAt.remove(s); // asked again: the newest now
        askedAt.put(s, now);
    }

    /**
     * The session is no longer on its way: it left, was called off, failed, or closed.
     *
     * @return when it was asked, or null if it no longer counted (or never did)
     */
    Long arrived(ServerSession s) {
        return askedAt.remove(s);
    }

    /** @return how many count at {@code now} */
    int count(long now) {
        Iterator<Long> oldest = askedAt.values().iterator();
        while (oldest.hasNext() && now - oldest.next() > countsFor) oldest.remove();
        return askedAt.size();
    }

    /** @return nanoseconds from {@code now} until the oldest stops counting; call after {@link #count}, with one counting */
    long nanosUntilOldestStops(long now) {
        return Math.max(0, askedAt.firstEntry().getValue() + countsFor + 1 - now);
    }
}
