package dev.ferry.server;

/**
 * Write-through: what this server has saved of a session in the context store, and whether it is
 * deleted when the connection closes. A type of its own, next to {@link SessionLifecycle}, because a
 * save's answer comes back from the store at any point of a migration: as one type the two would be
 * every combination of both.
 */
enum SavedCopy {
    /** Nothing saved yet. */
    NONE,
    /** Saved; kept when the connection drops, so the client can resume the session elsewhere. */
    SAVED,
    /** The client ended the session (GOODBYE CLOSE) before a save was in the store. */
    NONE_ENDED,
    /** The client ended the session and a save is in the store: nothing of it is kept, the save goes at close. */
    SAVED_ENDED,
    /** Another server has taken the session over: the record is its, so nothing is saved or deleted here again. */
    TAKEN_OVER;

    /** A save is in the store. */
    SavedCopy saved() {
        return switch (this) {
            case NONE, SAVED -> SAVED;
            case NONE_ENDED, SAVED_ENDED -> SAVED_ENDED;
            case TAKEN_OVER -> TAKEN_OVER;
        };
    }

    /** The client said GOODBYE(CLOSE). */
    SavedCopy endedByClient() {
        return switch (this) {
            case NONE, NONE_ENDED -> NONE_ENDED;
            case SAVED, SAVED_ENDED -> SAVED_ENDED;
            case TAKEN_OVER -> TAKEN_OVER;
        };
    }

    /** Whether the save is deleted when the connection closes (unless the session has migrated: then it is the target's). */
    boolean deletedAtClose() {
        return this == SAVED_ENDED;
    }
}
