package dev.ferry.server.admin;

import dev.ferry.admin.api.Claims;
import dev.ferry.admin.api.DrainStatus;
import dev.ferry.admin.api.Migrations;
import dev.ferry.admin.api.PeersResponse;
import dev.ferry.admin.api.SessionCounts;
import dev.ferry.admin.api.StatusResponse;
import dev.ferry.admin.api.Timers;
import dev.ferry.admin.api.TlsStatus;
import dev.ferry.admin.api.WriteThrough;
import dev.ferry.server.Drain;
import dev.ferry.server.FerryServer;
import dev.ferry.server.MigrationState;
import dev.ferry.server.MigrationTimers;
import dev.ferry.server.ServerMetrics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The admin API contract's answers, built from the server's live state. */
final class AdminViews {
    private AdminViews() {}

    static StatusResponse status(FerryServer server) {
        ServerMetrics m = server.metrics();
        return new StatusResponse(
                server.name(),
                server.advertisedAddress(),
                server.isServing(),
                sessions(server),
                timers(server.timers()),
                server.currentDrain().map(AdminViews::drain).orElse(null),
                new Migrations(
                        m.migrationsRequested(),
                        m.migrationsCompleted(),
                        m.migrationsHandedOff(),
                        m.migrationsFailed(),
                        m.lastFailure()),
                server.storeDescription(),
                new WriteThrough(
                        server.writeThrough(),
                        m.contextSaveAttempts(),
                        m.contextSaveFailures(),
                        m.contextSavesRefused()),
                new Claims(m.claimsTakenOver(), m.claimsLost(), m.claimConfirmFailures()),
                server.tls()
                        .map(t -> new TlsStatus(true, t.reloads(), t.lastReloadFailure()))
                        .orElse(new TlsStatus(false, 0, null)),
                server.peers());
    }

    static SessionCounts sessions(FerryServer server) {
        Map<MigrationState, Long> counts = server.sessionCountsByState();
        Map<String, Long> byState = new LinkedHashMap<>();
        // Every state is listed, zeros included, so a caller never has to guess a missing key.
        for (MigrationState s : MigrationState.values()) byState.put(s.name(), counts.getOrDefault(s, 0L));
        return new SessionCounts(server.sessionCount(), byState);
    }

    static DrainStatus drain(Drain d) {
        int left = d.notYetRequested();
        return new DrainStatus(
                d.targets(),
                d.ratePerSecond(),
                d.requested(),
                left,
                d.elapsedMillis(),
                d.cancelled(),
                !d.cancelled() && left == 0);
    }

    static PeersResponse peers(FerryServer server) {
        return new PeersResponse(server.peers());
    }

    private static Timers timers(MigrationTimers t) {
        return new Timers(seconds(t.idleMigration()), seconds(t.sessionIdle()), t.migrationDisabled());
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
