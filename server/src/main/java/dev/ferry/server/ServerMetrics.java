package dev.ferry.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The server's numbers, as Micrometer meters (exported in Prometheus format by the admin API).
 * Session counts by migration state are kept up to date on every transition, so reading them
 * never walks the session table.
 */
public final class ServerMetrics {
    private final MeterRegistry registry;
    private final Map<MigrationState, AtomicLong> byState = new EnumMap<>(MigrationState.class);

    final Counter sessionsOpened;
    final Counter sessionsResumed;
    final Counter migrationsRequested;
    final Counter migrationsExported;
    final Counter migrationsCompleted;
    final Counter migrationsHandedOff;
    final Counter migrationsCancelled;
    final Counter commands;
    final Counter commandsDeferred;
    final Counter attentions;
    final Counter protocolErrors;
    final Counter missingDone;
    final Counter backpressureWaits;
    final Counter internalErrors;
    final Timer exportTime;
    final Timer claimTime;
    final Timer saveTime;
    final Counter saveFailures;
    final Counter savesRefused;
    final Counter claimsTakenOver;
    final Counter claimsLost;
    final Counter claimConfirmFailures;
    final Timer migrationPause;
    private final AtomicLong migrationsFailed = new AtomicLong();
    private volatile String lastFailure;

    ServerMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (MigrationState s : MigrationState.values()) {
            AtomicLong n = new AtomicLong();
            byState.put(s, n);
            Gauge.builder("ferry_sessions", n, AtomicLong::get)
                    .description("Sessions on this server by migration state")
                    .tag("state", s.name())
                    .register(registry);
        }
        sessionsOpened = counter("ferry_sessions_opened", "Sessions opened with HELLO");
        sessionsResumed = counter("ferry_sessions_resumed", "Sessions resumed here after a migration");
        migrationsRequested = counter("ferry_migrations_requested", "Migration requests for sessions on this server");
        migrationsExported = counter("ferry_migrations_exported", "Contexts exported and MIGRATE sent");
        migrationsCompleted = counter("ferry_migrations_completed", "Sessions that left this server by migration");
        migrationsHandedOff = counter(
                "ferry_migrations_handed_off",
                "Sessions closed at the idle migration timer before their client moved; their context waits in the store");
        migrationsCancelled = counter("ferry_migrations_cancelled", "Migrations called off before the client moved");
        commands = counter("ferry_commands", "Commands run");
        commandsDeferred = counter("ferry_commands_deferred", "Commands answered DEFERRED (re-sent on the target)");
        attentions = counter("ferry_attentions", "Requests cancelled by ATTENTION");
        protocolErrors = counter("ferry_protocol_errors", "Connections closed for a protocol error");
        missingDone = counter("ferry_handler_missing_done", "Handlers that returned without a final DONE");
        internalErrors = counter(
                "ferry_internal_errors",
                "Unexpected exceptions inside the SDK (not the application's handlers); each one is logged at ERROR");
        backpressureWaits =
                counter("ferry_backpressure_waits", "Times a handler waited because its client was not reading");
        exportTime = Timer.builder("ferry_context_export")
                .description("Time to export a context to the store")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        claimTime = Timer.builder("ferry_context_claim")
                .description("Time to claim a context from the store")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        saveTime = Timer.builder("ferry_context_save")
                .description("Write-through: time to save a context at a command boundary")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        saveFailures = counter(
                "ferry_context_save_failures",
                "Write-through saves that failed (store unreachable): the session works but is not crash-safe until the next save");
        savesRefused = counter(
                "ferry_context_saves_refused",
                "Write-through saves refused because another server had taken the session over; the session ended here");
        claimsTakenOver = counter(
                "ferry_claims_taken_over",
                "Sessions resumed here by taking over a claim another server never confirmed (it died, or lost its client, while resuming)");
        claimsLost = counter(
                "ferry_claims_lost",
                "Resumed sessions ended here because their claim was taken over before this server confirmed it");
        claimConfirmFailures = counter(
                "ferry_claim_confirm_failures",
                "Claim confirmations that failed (store unreachable); the session works, its claim stays provisional");
        // At 0 from the start, so that rate() and increase() see a pod's first failure: a counter that first
        // appears at 1 has no earlier sample to rise from.
        for (String reason : MIGRATION_FAILURE_REASONS) migrationFailedCounter(reason);
        // Fixed buckets (not Micrometer's ~70 default ones), so histogram_quantile works across pods.
        migrationPause = Timer.builder("ferry_migration_pause")
                .description("Time from MIGRATE sent to the client's GOODBYE(MOVED), seen by the source: the client's"
                        + " pause plus one round trip (for a client that does not read ahead, also its idle time)")
                .serviceLevelObjectives(PAUSE_BUCKETS)
                .minimumExpectedValue(PAUSE_BUCKETS[0])
                .maximumExpectedValue(PAUSE_BUCKETS[PAUSE_BUCKETS.length - 1])
                .register(registry);
    }

    /** The migration pause histogram's bucket bounds. */
    static final Duration[] PAUSE_BUCKETS = Stream.of(
                    1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000)
            .map(Duration::ofMillis)
            .toArray(Duration[]::new);

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    void opened(MigrationState initial) {
        byState.get(initial).incrementAndGet();
    }

    void moved(MigrationState from, MigrationState to) {
        byState.get(from).decrementAndGet();
        byState.get(to).incrementAndGet();
    }

    void closed(MigrationState last) {
        byState.get(last).decrementAndGet();
    }

    /** The reasons a migration fails for (ServerSession's fail calls); each is exported at 0 from the start. */
    static final java.util.List<String> MIGRATION_FAILURE_REASONS =
            java.util.List.of("store_unavailable", "busy", "held", "expired");

    private Counter migrationFailedCounter(String reason) {
        return Counter.builder("ferry_migrations_failed")
                .description("Migrations that failed; the session stayed here")
                .tag("reason", reason)
                .register(registry);
    }

    void migrationFailed(String reason, String detail) {
        migrationsFailed.incrementAndGet();
        migrationFailedCounter(reason).increment();
        lastFailure = detail;
    }

    void handshakeRefused(String code) {
        Counter.builder("ferry_handshakes_refused")
                .description("HELLO or RESUME refused, by error code")
                .tag("code", code)
                .register(registry)
                .increment();
    }

    public long sessions(MigrationState state) {
        return byState.get(state).get();
    }

    public Map<MigrationState, Long> sessionsByState() {
        Map<MigrationState, Long> m = new EnumMap<>(MigrationState.class);
        byState.forEach((s, n) -> m.put(s, n.get()));
        return m;
    }

    public long migrationsFailed() {
        return migrationsFailed.get();
    }

    public long migrationsCompleted() {
        return (long) migrationsCompleted.count();
    }
    /** Sessions the source closed at the idle migration timer, still in the store for the session idle timer. */
    public long migrationsHandedOff() {
        return (long) migrationsHandedOff.count();
    }

    public long migrationsRequested() {
        return (long) migrationsRequested.count();
    }

    public long sessionsResumed() {
        return (long) sessionsResumed.count();
    }

    public long backpressureWaits() {
        return (long) backpressureWaits.count();
    }

    public long internalErrors() {
        return (long) internalErrors.count();
    }

    public long protocolErrors() {
        return (long) protocolErrors.count();
    }
    /** Write-through saves attempted: good, failed and refused ones (the save timer times each). */
    public long contextSaveAttempts() {
        return saveTime.count();
    }

    public long contextSaveFailures() {
        return (long) saveFailures.count();
    }

    public long contextSavesRefused() {
        return (long) savesRefused.count();
    }

    public long claimsTakenOver() {
        return (long) claimsTakenOver.count();
    }

    public long claimsLost() {
        return (long) claimsLost.count();
    }

    public long claimConfirmFailures() {
        return (long) claimConfirmFailures.count();
    }

    /** The last migration failure, in words, or null. */
    public String lastFailure() {
        return lastFailure;
    }
}
