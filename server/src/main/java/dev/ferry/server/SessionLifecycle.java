package dev.ferry.server;

/**
 * Where a session stands on this server: its migration, and whether its connection is still open.
 * Every allowed move is in {@link #next}; an event that does not apply to a state is refused
 * ({@code null}) and changes nothing.
 *
 * <p>Handlers see the coarser {@link MigrationState} ({@link #shown()}). What the SDK must know
 * beyond it is {@link #CANCELLING} (READY to handlers, while this server claims its exported context
 * back) and whether the connection has closed. Closed is a state of its own rather than a flag, so
 * that a closed session cannot be READY: its client is on its way then, and closing makes it
 * {@link #CLOSED_MIGRATING}.
 *
 * <pre>
 * IDLE, CANCELLED, FAILED --REQUEST--> REQUESTED --EXPORTED--> READY --CLIENT_MOVED, HANDED_OFF--> MIGRATING
 * REQUESTED --CANCEL--> CANCELLED       REQUESTED --EXPORT_FAILED, REQUEST_TIMED_OUT--> FAILED
 * READY --CANCEL--> CANCELLING --TAKEN_BACK--> CANCELLED, --NOT_TAKEN_BACK--> READY, --CLIENT_MOVED--> MIGRATING
 * READY --EXPIRED--> FAILED             READY --REQUEST--> READY (MIGRATE again, new targets)
 * any open state --CLOSED--> its CLOSED_ twin (READY and CANCELLING: CLOSED_MIGRATING)
 * CLOSED_REQUESTED --CANCEL--> CLOSED_CANCELLED, --EXPORT_FAILED--> CLOSED_FAILED
 * </pre>
 */
enum SessionLifecycle {
    /** No migration asked for: commands run here. */
    IDLE(MigrationState.NONE, false),
    /** A migration waits for the session's next migration point. */
    REQUESTED(MigrationState.REQUESTED, false),
    /** The context is in the store and the client was told where to go. */
    READY(MigrationState.READY, false),
    /** READY, while this server claims the exported context back to call the migration off. */
    CANCELLING(MigrationState.READY, false),
    /** The client is moving (or was handed off at the idle migration timer); the context is the target's. */
    MIGRATING(MigrationState.MIGRATING, false),
    /** The migration was called off: commands run here. */
    CANCELLED(MigrationState.CANCELLED, false),
    /** The migration could not happen: commands run here. */
    FAILED(MigrationState.FAILED, false),

    // The connection has closed. What handlers saw last stays; only a migration still waiting for its
    // migration point can change then (called off, or its export in flight failed).
    CLOSED_IDLE(MigrationState.NONE, true),
    CLOSED_REQUESTED(MigrationState.REQUESTED, true),
    CLOSED_MIGRATING(MigrationState.MIGRATING, true),
    CLOSED_CANCELLED(MigrationState.CANCELLED, true),
    CLOSED_FAILED(MigrationState.FAILED, true);

    /** What happens to a session. */
    enum Event {
        /** A migration is asked for (again: new targets, a new migration id). */
        REQUEST,
        /** The application or the admin API calls the migration off. */
        CANCEL,
        /** The cancel's claim got the context back from the store. */
        TAKEN_BACK,
        /** The cancel's claim did not get the context back (a target has it, or the store is unreachable). */
        NOT_TAKEN_BACK,
        /** The context is in the store: MIGRATE goes out. */
        EXPORTED,
        /** The export to the store failed. */
        EXPORT_FAILED,
        /** No migration point came within the bound (a command without checkpoints, or a hold). */
        REQUEST_TIMED_OUT,
        /** The idle migration timer ran out before the client moved; its context waits in the store. */
        HANDED_OFF,
        /** The idle migration timer ran out and the session idle timer is 0: the migration is void. */
        EXPIRED,
        /** The client said GOODBYE(MOVED) after MIGRATE. */
        CLIENT_MOVED,
        /** The connection closed. */
        CLOSED
    }

    private final MigrationState shown;
    private final boolean closed;

    SessionLifecycle(MigrationState shown, boolean closed) {
        this.shown = shown;
        this.closed = closed;
    }

    /** The state handlers see. */
    MigrationState shown() {
        return shown;
    }

    /** Whether the connection has closed. */
    boolean closed() {
        return closed;
    }

    /** Whether a command may run here now: the connection is open and the context has not left. */
    boolean servesCommands() {
        return !closed && shown.servesCommands();
    }

    /** @return the state after {@code event}, or null if the event does not apply to this state (nothing changes) */
    SessionLifecycle next(Event event) {
        return switch (this) {
            case IDLE ->
                switch (event) {
                    case REQUEST -> REQUESTED;
                    case CLOSED -> CLOSED_IDLE;
                    default -> null;
                };
            case CANCELLED ->
                switch (event) {
                    case REQUEST -> REQUESTED;
                    case CLOSED -> CLOSED_CANCELLED;
                    default -> null;
                };
            case FAILED ->
                switch (event) {
                    case REQUEST -> REQUESTED;
                    case CLOSED -> CLOSED_FAILED;
                    default -> null;
                };
            case REQUESTED ->
                switch (event) {
                    case REQUEST -> REQUESTED;
                    case CANCEL -> CANCELLED;
                    case EXPORTED -> READY;
                    case EXPORT_FAILED, REQUEST_TIMED_OUT -> FAILED;
                    case CLOSED -> CLOSED_REQUESTED;
                    default -> null;
                };
            case READY ->
                switch (event) {
                    case REQUEST -> READY; // the client has not acted on MIGRATE yet: same context, new targets
                    case CANCEL -> CANCELLING;
                    case HANDED_OFF, CLIENT_MOVED -> MIGRATING;
                    case EXPIRED -> FAILED;
                    case CLOSED -> CLOSED_MIGRATING; // the client left after MIGRATE: it is on its way
                    default -> null;
                };
            case CANCELLING ->
                switch (event) {
                    // Not REQUEST, CANCEL or the idle migration timer: the claim under way decides.
                    case TAKEN_BACK -> CANCELLED;
                    case NOT_TAKEN_BACK -> READY;
                    case CLIENT_MOVED -> MIGRATING;
                    case CLOSED -> CLOSED_MIGRATING;
                    default -> null;
                };
            case MIGRATING ->
                switch (event) {
                    // A cancel's claim that ends after the client left changes nothing (a context it got back is put
                    // back).
                    case TAKEN_BACK, NOT_TAKEN_BACK -> MIGRATING;
                    case CLOSED -> CLOSED_MIGRATING;
                    default -> null;
                };
            case CLOSED_REQUESTED ->
                switch (event) {
                    case CANCEL -> CLOSED_CANCELLED;
                    case EXPORT_FAILED -> CLOSED_FAILED;
                    default -> null;
                };
            case CLOSED_MIGRATING ->
                switch (event) {
                    case TAKEN_BACK, NOT_TAKEN_BACK -> CLOSED_MIGRATING;
                    default -> null;
                };
            case CLOSED_IDLE, CLOSED_CANCELLED, CLOSED_FAILED -> null;
        };
    }
}
