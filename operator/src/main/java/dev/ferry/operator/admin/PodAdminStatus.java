package dev.ferry.operator.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
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

    static PodAdminStatus parse(JsonNode json) {
        JsonNode sessions = json.path("sessions");
        Map<String, Long> byState = new TreeMap<>();
        sessions.path("byState")
                .properties()
                .forEach(e -> byState.put(e.getKey(), e.getValue().asLong()));
        JsonNode d = json.path("drain");
        Drain drain = d.isObject()
                ? new Drain(
                        strings(d.path("targets")),
                        d.path("cancelled").asBoolean(),
                        d.path("finished").asBoolean())
                : null;
        JsonNode m = json.path("migrations");
        return new PodAdminStatus(
                sessions.path("total").asLong(),
                byState,
                json.path("serving").asBoolean(),
                drain,
                m.path("requested").asLong(),
                m.path("completed").asLong(),
                m.path("failed").asLong(),
                strings(json.path("peers")),
                m.path("handedOff").asLong());
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }
}
