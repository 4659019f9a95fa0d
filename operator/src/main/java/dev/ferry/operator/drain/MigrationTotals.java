package dev.ferry.operator.drain;

import dev.ferry.operator.model.MigrationCounts;
import dev.ferry.operator.model.ServerFleet;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Running totals of migrations done and failed per fleet. The fleet passed to a reconciliation may
 * not show the status the previous one wrote yet, so the totals are kept here and seeded from the
 * status only when this operator first sees the fleet (after a restart, for instance).
 */
public final class MigrationTotals {

    private record Totals(long completed, long failed) {}

    private final Map<String, Totals> byFleet = new ConcurrentHashMap<>();

    /** Adds a reconciliation's finished drains and returns the fleet's counts, with {@code inFlight} as reported now. */
    public MigrationCounts add(ServerFleet fleet, long completed, long failed, long inFlight) {
        Totals t = byFleet.compute(fleet.getMetadata().getUid(), (uid, known) -> {
            Totals base = known != null ? known : fromStatus(fleet);
            return new Totals(base.completed() + completed, base.failed() + failed);
        });
        return new MigrationCounts(inFlight, t.completed(), t.failed());
    }

    /** Forgets a deleted fleet. */
    public void forget(ServerFleet fleet) {
        forget(fleet.getMetadata().getUid());
    }

    public void forget(String fleetUid) {
        byFleet.remove(fleetUid);
    }

    public boolean tracks(String fleetUid) {
        return byFleet.containsKey(fleetUid);
    }

    /** Fleets with totals kept (for tests: none may be left of deleted fleets). */
    public int tracked() {
        return byFleet.size();
    }

    private static Totals fromStatus(ServerFleet fleet) {
        MigrationCounts m = fleet.getStatus() == null ? null : fleet.getStatus().getMigrations();
        if (m == null) {
            return new Totals(0, 0);
        }
        return new Totals(
                Objects.requireNonNullElse(m.getCompleted(), 0L), Objects.requireNonNullElse(m.getFailed(), 0L));
    }
}
