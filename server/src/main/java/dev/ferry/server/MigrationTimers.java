package dev.ferry.server;

import java.time.Duration;

/**
 * The two timers that bound a migration.
 *
 * @param idleMigration how long the source keeps the connection open after a migration request,
 *                      waiting for the client to move (default 60 s)
 * @param sessionIdle   how long an exported context waits in the store for a client that has not
 *                      resumed yet, once the source has closed (default 600 s)
 */
public record MigrationTimers(Duration idleMigration, Duration sessionIdle) {
    /** Most a timer may be: the CRD's limit, 32767 s. */
    public static final Duration MAX = Duration.ofSeconds(32767);

    /** The shortest TTL a store takes. */
    private static final Duration MIN_TTL = Duration.ofMillis(1);

    public static final MigrationTimers DEFAULT = new MigrationTimers(Duration.ofSeconds(60), Duration.ofSeconds(600));

    public MigrationTimers {
        check("idleMigration", idleMigration);
        check("sessionIdle", sessionIdle);
    }

    public static MigrationTimers ofSeconds(long idleMigration, long sessionIdle) {
        return new MigrationTimers(Duration.ofSeconds(idleMigration), Duration.ofSeconds(sessionIdle));
    }

    /** Both zero: the fleet drains by closing connections. */
    public boolean migrationDisabled() {
        return idleMigration.isZero() && sessionIdle.isZero();
    }

    /** The source closes the connection as soon as it has sent the migration request. */
    public boolean closesAtOnce() {
        return idleMigration.isZero();
    }

    /**
     * TTL of a context exported for a migration: what is left of the idle migration timer (counted from the
     * migration request) plus the session idle timer, so the record is gone at the latest {@code I + S} after
     * the request, as the timers promise, even if the source dies. The source itself cuts it to {@code S} when
     * it closes the connection at the end of {@code I} (or deletes it when {@code S} is 0).
     *
     * @param idleMigrationLeft what is left of the idle migration timer; 0 when the source closes at once
     */
    public Duration exportTtl(Duration idleMigrationLeft) {
        Duration ttl = idleMigrationLeft.plus(sessionIdle);
        // A store TTL must be positive: S = 0 with the idle time just run out leaves the source's own
        // deadline, due this very moment, to end the migration.
        return ttl.compareTo(MIN_TTL) < 0 ? MIN_TTL : ttl;
    }

    /**
     * TTL of a write-through save: {@code I + S}, the longest a session's context may wait for its client in
     * the store.
     */
    public Duration saveTtl() {
        Duration ttl = idleMigration.plus(sessionIdle);
        return ttl.compareTo(MIN_TTL) < 0 ? MIN_TTL : ttl;
    }

    /**
     * How long a REQUESTED migration may wait for a migration point (a running command, a hold)
     * before it FAILS: the idle migration timer, or the session idle timer when the first is 0.
     */
    public Duration requestBound() {
        return idleMigration.isZero() ? sessionIdle : idleMigration;
    }

    private static void check(String name, Duration d) {
        if (d == null) throw new IllegalArgumentException(name + " must not be null");
        if (d.isNegative() || d.compareTo(MAX) > 0) {
            throw new IllegalArgumentException(name + " must be between 0 and 32767 s, was " + d);
        }
    }
}
