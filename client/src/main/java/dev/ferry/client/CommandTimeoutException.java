package dev.ferry.client;

/**
 * No final DONE arrived within {@link ClientOptions#commandTimeout()}. The client has sent ATTENTION
 * for the request; the session stays usable once the server answers it.
 */
public class CommandTimeoutException extends FerryException {
    public CommandTimeoutException(String message) {
        super(message);
    }
}
