package dev.ferry.operator.admin;

import dev.ferry.admin.api.DrainStatus;
import dev.ferry.admin.api.Migrations;
import dev.ferry.admin.api.SessionCounts;
import dev.ferry.admin.api.StatusResponse;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a pod's {@code GET /v1/status} reported: its sessions (by migration state), its current
 * drain if any, the migrations it started, and its peers. {@code migrationsHandedOff}: sessions it
 * closed when their idle migration timer ran out before they moved (they resume from the context
 * store on their next command), counted apart from completed migrations.
 */
public record PodAdminStatus(
        long sessions,
        Map<String, Long> sessionsByState,
        boolean serving,
        Drain drain,
        long migrationsRequested,
        long migrationsCompleted,
        long migrationsFailed,
        List<String> peers,
        long migrationsHandedOff) {

    /** A status without handed-off sessions (servers before the counter, and tests). */
    public PodAdminStatus(
            long sessions,
            Map<String, Long> sessionsByState,
            boolean serving,
            Drain drain,
            long migrationsRequested,
            long migrationsCompleted,
            long migrationsFailed,
            List<String> peers) {
        this(
                sessions,
                sessionsByState,
                serving,
                drain,
                migrationsRequested,
                migrationsCompleted,
                migrationsFailed,
                peers,
                0);
    }

    /** The pod's running or last drain. */
    public record Drain(List<String> targets, boolean cancelled, boolean finished) {}

    /** Sessions asked to migrate and not gone yet (REQUESTED, READY, MIGRATING). */
    public long migrationsInFlight() {
        return sessionsByState.getOrDefault("REQUESTED", 0L)
                + sessionsByState.getOrDefault("READY", 0L)
                + sessionsByState.getOrDefault("MIGRATING", 0L);
    }

    /** A drain to these targets is running (or ran) and was not cancelled. */
    public boolean drainsTo(List<String> targets) {
        return drain != null && !drain.cancelled() && drain.targets().equals(targets);
    }

    /**
     * What the operator keeps of a pod's status. A field an older server did not send reads as zero
     * or empty, as a server that had nothing to report.
     */
    static PodAdminStatus from(StatusResponse status) {
        SessionCounts sessions = status.sessions();
        Map<String, Long> byState = new TreeMap<>();
        if (sessions != null && sessions.byState() != null) byState.putAll(sessions.byState());
        DrainStatus d = status.drain();
        Drain drain = d == null ? null : new Drain(strings(d.targets()), d.cancelled(), d.finished());
        Migrations m = status.migrations() != null ? status.migrations() : new Migrations(0, 0, 0, 0, null);
        return new PodAdminStatus(
                sessions == null ? 0 : sessions.total(),
                byState,
                status.serving(),
                drain,
                m.requested(),
                m.completed(),
                m.failed(),
                strings(status.peers()),
                m.handedOff());
    }

    private static List<String> strings(List<String> values) {
        return values == null ? List.of() : List.copyOf(values);
    }
}
