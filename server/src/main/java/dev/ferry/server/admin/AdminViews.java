package dev.ferry.server.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.Drain;
import dev.ferry.server.FerryServer;
import dev.ferry.server.MigrationState;
import dev.ferry.server.MigrationTimers;
import dev.ferry.server.ServerMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The JSON shapes the admin API answers with, built from the server's live state. */
final class AdminViews {
    private AdminViews() {}

    static ObjectNode status(FerryServer server) {
        ObjectNode o = Json.object();
        o.put("name", server.name());
        o.put("advertisedAddress", server.advertisedAddress());
        o.put("serving", server.isServing());
        o.set("sessions", sessions(server));
        o.set("timers", timers(server.timers()));
        o.set("drain", server.currentDrain().map(AdminViews::drain).orElse(null));
        o.set("migrations", migrations(server.metrics()));
        o.put("store", server.storeDescription());
        o.set("writeThrough", writeThrough(server));
        o.set("claims", claims(server.metrics()));
        o.set("tls", tls(server));
        o.set("peers", strings(server.peers()));
        return o;
    }

    /** Whether sessions are saved at every command boundary, and how those saves went. */
    static ObjectNode writeThrough(FerryServer server) {
        ObjectNode o = Json.object();
        o.put("enabled", server.writeThrough());
        ServerMetrics m = server.metrics();
        o.put("attempts", m.contextSaveAttempts());
        o.put("failed", m.contextSaveFailures());
        o.put("refused", m.contextSavesRefused());
        return o;
    }

    /** Whether the client port serves TLS, and how renewed certificates were picked up. */
    static ObjectNode tls(FerryServer server) {
        ObjectNode o = Json.object();
        o.put("enabled", server.tls().isPresent());
        server.tls().ifPresent(t -> {
            o.put("reloads", t.reloads());
            o.put("lastReloadFailure", t.lastReloadFailure());
        });
        return o;
    }

    /** Resumes that took over a claim another server never confirmed, and the other side of that. */
    static ObjectNode claims(ServerMetrics m) {
        ObjectNode o = Json.object();
        o.put("takenOver", m.claimsTakenOver());
        o.put("lost", m.claimsLost());
        o.put("confirmFailures", m.claimConfirmFailures());
        return o;
    }

    static ObjectNode sessions(FerryServer server) {
        ObjectNode o = Json.object();
        o.put("total", server.sessionCount());
        ObjectNode byState = o.putObject("byState");
        Map<MigrationState, Long> counts = server.sessionCountsByState();
        // Every state is listed, zeros included, so a caller never has to guess a missing key.
        for (MigrationState s : MigrationState.values()) byState.put(s.name(), counts.getOrDefault(s, 0L));
        return o;
    }

    static ObjectNode drain(Drain d) {
        ObjectNode o = Json.object();
        o.set("targets", strings(d.targets()));
        o.put("ratePerSecond", d.ratePerSecond());
        o.put("requested", d.requested());
        int left = d.notYetRequested();
        o.put("notYetRequested", left);
        o.put("elapsedMillis", d.elapsedMillis());
        o.put("cancelled", d.cancelled());
        o.put("finished", !d.cancelled() && left == 0);
        return o;
    }

    static ObjectNode peers(FerryServer server) {
        ObjectNode o = Json.object();
        o.set("peers", strings(server.peers()));
        return o;
    }

    private static ObjectNode timers(MigrationTimers t) {
        ObjectNode o = Json.object();
        putSeconds(o, "idleMigrationSeconds", t.idleMigration());
        putSeconds(o, "sessionIdleSeconds", t.sessionIdle());
        o.put("migrationDisabled", t.migrationDisabled());
        return o;
    }

    private static ObjectNode migrations(ServerMetrics m) {
        ObjectNode o = Json.object();
        o.put("requested", m.migrationsRequested());
        o.put("completed", m.migrationsCompleted());
        o.put("handedOff", m.migrationsHandedOff());
        o.put("failed", m.migrationsFailed());
        o.put("lastFailure", m.lastFailure());
        return o;
    }

    /** Whole seconds as an integer (the usual case: timers come from the CRD in seconds), else a decimal. */
    private static void putSeconds(ObjectNode o, String field, Duration d) {
        if (d.toMillis() % 1000 == 0) o.put(field, d.toSeconds());
        else o.put(field, d.toMillis() / 1000.0);
    }

    static com.fasterxml.jackson.databind.node.ArrayNode strings(List<String> values) {
        var a = Json.array();
        values.forEach(a::add);
        return a;
    }
}
