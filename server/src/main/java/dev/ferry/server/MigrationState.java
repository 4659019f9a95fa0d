package dev.ferry.server;

/**
 * Where a session stands in a migration, as seen by the server that holds it.
 *
 * <pre>
 * NONE → REQUESTED → READY → MIGRATING
 *             ↘ CANCELLED / FAILED ↙
 * </pre>
 */
public enum MigrationState {
    /** No migration asked for (or the last one finished on this server). */
    NONE,
    /** A migration was asked for; the session waits for its next migration point. */
    REQUESTED,
    /** The context is exported to the store and the client was told where to go. */
    READY,
    /** The client has started to move; the context belongs to whoever resumes it. */
    MIGRATING,
    /** The migration was called off before the client moved; the session stays here. */
    CANCELLED,
    /** The migration could not happen (store down, held too long); the session stays here. */
    FAILED;

    /** Whether a session in this state still runs its commands on this server. */
    public boolean servesCommands() {
        return this == NONE || this == REQUESTED || this == CANCELLED || this == FAILED;
    }
}
