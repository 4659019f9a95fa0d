package dev.ferry.client;

/**
 * The session's context is gone: a target answered RESUME with SESSION_EXPIRED (the context expired
 * in the store, the migration was invalidated, or the session never existed). The session cannot be
 * used again; open a new one.
 */
public class SessionExpiredException extends FerryException {
    public SessionExpiredException(String message) {
        super(message);
    }

    public SessionExpiredException(String message, Throwable cause) {
        super(message, cause);
    }
}
