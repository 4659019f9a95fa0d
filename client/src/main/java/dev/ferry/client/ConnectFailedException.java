package dev.ferry.client;

import dev.ferry.protocol.ErrorCode;

/** {@link FerryClient#connect()} could not open a session: no connection, no WELCOME, or an ERROR answer. */
public class ConnectFailedException extends FerryException {
    private final ErrorCode code;

    public ConnectFailedException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** The server's ERROR code, or null if it did not answer with one. */
    public ErrorCode code() {
        return code;
    }
}
