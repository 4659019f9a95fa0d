package dev.ferry.client;

import dev.ferry.protocol.ErrorCode;

/**
 * A target refused the session's RESUME in a way the client cannot work around: BAD_TOKEN, or
 * ALREADY_CLAIMED when the source connection is gone (someone else holds the session).
 */
public class ResumeRefusedException extends FerryException {
    private final ErrorCode code;

    public ResumeRefusedException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public ResumeRefusedException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
