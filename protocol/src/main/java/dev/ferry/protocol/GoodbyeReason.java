package dev.ferry.protocol;

/** Why a peer closes the connection ({@link Frame.Goodbye}). */
public enum GoodbyeReason {
    /** The client is done with its session; the server deletes the session's context. */
    CLOSE(0),
    /** The client has resumed on another server; the source drops the session but not its context. */
    MOVED(1),
    /** The server closes after a migration request (idle migration timer expired or was 0). */
    MIGRATING(2),
    /** The server is shutting down and migration is disabled; the session ends. */
    SHUTDOWN(3),
    /** The session was idle longer than the server allows. */
    IDLE_TIMEOUT(4);

    private final int code;

    GoodbyeReason(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static GoodbyeReason of(int code) {
        for (GoodbyeReason r : values()) if (r.code == code) return r;
        return null;
    }
}
