package dev.ferry.client;

/** Base of every exception the Ferry client throws. Unchecked: callers decide where to handle them. */
public class FerryException extends RuntimeException {
    public FerryException(String message) {
        super(message);
    }

    public FerryException(String message, Throwable cause) {
        super(message, cause);
    }
}
