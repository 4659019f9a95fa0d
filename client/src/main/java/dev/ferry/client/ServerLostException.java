package dev.ferry.client;

/**
 * The server running a command went away (a crash, a cut connection) and the session was resumed
 * on another server from its last saved state (servers in write-through mode save it at every
 * command boundary). The session goes on; this command was not re-sent, because it may have run
 * on the lost server (a command runs at most once). Whether its effects survived depends on
 * whether the lost server saved them: the resumed session holds the state as of the last command
 * whose final DONE the client saw.
 */
public class ServerLostException extends FerryException {
    public ServerLostException(String message) {
        super(message);
    }

    public ServerLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
