package dev.ferry.bench.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When the server decided that each session must move: the first time the session entered
 * REQUESTED, on {@link System#nanoTime()}'s clock (CLOCK_MONOTONIC, the same for every process
 * of the machine, so a client process can subtract it from its own readings). A pause measured
 * from here counts the time a session waited for its export and its MIGRATE, which the client
 * library's own pause (from reading MIGRATE) cannot see.
 */
public final class MoveDecisions {
    private final Map<String, Long> firstRequested = new ConcurrentHashMap<>();

    /** A session was asked to move; a second request of the same session (after a failure) keeps the first time. */
    void requested(String sessionId, long nanos) {
        firstRequested.putIfAbsent(sessionId, nanos);
    }

    /** Every decision recorded since the last call, by session ID; the record starts empty again. */
    public synchronized Map<String, Long> drain() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String id : Map.copyOf(firstRequested).keySet()) {
            Long t = firstRequested.remove(id);
            if (t != null) out.put(id, t);
        }
        return out;
    }
}
