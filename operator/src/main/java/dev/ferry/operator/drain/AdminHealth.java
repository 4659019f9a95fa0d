package dev.ferry.operator.drain;

import dev.ferry.operator.model.ServerFleet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts, per fleet, reconciliations in a row in which some admin API call failed (a ready pod's
 * status, a drain request, a peers update). From {@link #THRESHOLD} in a row the fleet is degraded:
 * the status says so in its ReconcileError condition until a reconciliation has no failure.
 */
public final class AdminHealth {

    /** Reconciliations in a row with failures before the fleet's status reports them. */
    public static final int THRESHOLD = 3;

    /** What changed with this reconciliation's result. */
    public enum Change {
        NONE,
        DEGRADED,
        RECOVERED
    }

    /** The fleet's state after a reconciliation: the message while degraded, and what changed. */
    public record Verdict(Optional<String> degraded, Change change) {}

    private record Streak(int count, String last) {}

    private final Map<String, Streak> byFleet = new ConcurrentHashMap<>();

    /** Records this reconciliation's admin call failures (empty: all calls answered). */
    public Verdict record(ServerFleet fleet, List<String> failures) {
        String uid = fleet.getMetadata().getUid();
        Streak before = byFleet.getOrDefault(uid, new Streak(0, null));
        if (failures.isEmpty()) {
            byFleet.remove(uid);
            return new Verdict(Optional.empty(), before.count() >= THRESHOLD ? Change.RECOVERED : Change.NONE);
        }
        String last = String.join("; ", failures);
        Streak now = new Streak(before.count() + 1, last.length() > 800 ? last.substring(0, 800) + "…" : last);
        byFleet.put(uid, now);
        if (now.count() < THRESHOLD) {
            return new Verdict(Optional.empty(), Change.NONE);
        }
        String message = "Admin API calls failed in " + now.count() + " reconciliations in a row: " + now.last();
        return new Verdict(Optional.of(message), now.count() == THRESHOLD ? Change.DEGRADED : Change.NONE);
    }

    /** Forgets a deleted fleet. */
    public void forget(String fleetUid) {
        byFleet.remove(fleetUid);
    }

    public boolean tracks(String fleetUid) {
        return byFleet.containsKey(fleetUid);
    }

    int tracked() {
        return byFleet.size();
    }
}
