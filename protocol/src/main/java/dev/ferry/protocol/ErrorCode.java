package dev.ferry.protocol;

/** Error codes of {@link Frame.Error}. Values are part of the wire format. */
public enum ErrorCode {
    /** A malformed frame, a frame not allowed in this state, or an unknown type. Connection closes. */
    PROTOCOL_ERROR(1, false),
    /** The HELLO/RESUME version is not one the server speaks. Connection closes. */
    UNSUPPORTED_VERSION(2, false),
    /** A frame longer than the receiver's limit. Connection closes. */
    FRAME_TOO_LARGE(3, false),
    /** RESUME of a session whose context is not in the store: it expired, was invalidated, or never existed. */
    SESSION_EXPIRED(10, false),
    /** RESUME with a token that does not match the session's. */
    BAD_TOKEN(11, false),
    /**
     * RESUME of a session another server has already claimed. Usually a race (a target that
     * claimed it for a client that gave up hands it back), so a client tries again.
     */
    ALREADY_CLAIMED(12, true),
    /** The context store could not be reached; the client may retry elsewhere. */
    STORE_UNAVAILABLE(13, true),
    /** The server holds its maximum number of sessions. */
    SERVER_FULL(14, true),
    /** The first frame did not arrive within the handshake timeout. */
    HANDSHAKE_TIMEOUT(15, false),
    /** The server is draining and takes no new sessions; try another address. */
    NOT_SERVING(16, true),
    /** RESUME of a session whose source called the migration off and kept it: stay on the source. */
    MIGRATION_CANCELLED(17, false),
    /**
     * RESUME of a session another server has claimed but not confirmed yet: it is resuming it
     * right now, or it died doing so. The client waits and tries again; once the claim's deadline
     * has passed unconfirmed, a server takes the session over.
     */
    CLAIM_PENDING(18, true),
    /** The command itself failed (request-level; the connection stays open). */
    COMMAND_FAILED(20, false);

    private final int code;
    private final boolean retryElsewhere;

    ErrorCode(int code, boolean retryElsewhere) {
        this.code = code;
        this.retryElsewhere = retryElsewhere;
    }

    public int code() {
        return code;
    }

    /** Whether a client that got this answer to HELLO or RESUME should try another server. */
    public boolean retryElsewhere() {
        return retryElsewhere;
    }

    public static ErrorCode of(int code) {
        for (ErrorCode c : values()) if (c.code == code) return c;
        return null;
    }
}
