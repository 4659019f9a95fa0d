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

    /** Slack on the export TTL so the source's own invalidation, not the store's expiry, ends a migration. */
    private static final Duration TTL_SLACK = Duration.ofSeconds(5);

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

    /** TTL of an exported context: it must outlive the open connection plus the session idle time. */
    public Duration exportTtl() {
        return idleMigration.plus(sessionIdle).plus(TTL_SLACK);
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
