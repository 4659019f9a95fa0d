package dev.ferry.admin.api;

import java.util.List;
import java.util.Map;

/**
 * Body of {@code GET /v1/sessions}, and {@code sessions} of the status: the sessions a server
 * holds, by migration state. Every state is listed, zeros included, so a caller never has to guess
 * a missing key.
 *
 * @param byState session count per migration state, keyed by the names in {@link #STATES}
 */
public record SessionCounts(long total, Map<String, Long> byState) {
    /** The migration states, in the server's order (the server's tests check they are its states). */
    public static final List<String> STATES = List.of("NONE", "REQUESTED", "READY", "MIGRATING", "CANCELLED", "FAILED");

    public SessionCounts {
        byState = Copies.map(byState);
    }

    /** Sessions asked to migrate that have not left yet (REQUESTED, READY, MIGRATING). */
    public long inFlight() {
        if (byState == null) return 0;
        return byState.getOrDefault("REQUESTED", 0L)
                + byState.getOrDefault("READY", 0L)
                + byState.getOrDefault("MIGRATING", 0L);
    }
}
