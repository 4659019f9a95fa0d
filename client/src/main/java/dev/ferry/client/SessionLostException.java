package dev.ferry.client;

/**
 * The session's connection ended with no migration to follow (or every resume path failed). The
 * message says what happened and what was tried. A command that was outstanding may or may not
 * have run on the server.
 */
public class SessionLostException extends FerryException {
    public SessionLostException(String message) {
        super(message);
    }

    public SessionLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
