package dev.ferry.client;

/**
 * The server ran the command and it failed: its final DONE had the ERROR flag (the text is the
 * error MESSAGE that preceded it), or the server answered ERROR COMMAND_FAILED for the request.
 * The session is still usable.
 */
public class CommandFailedException extends FerryException {
    private final int requestId;
    private final String command;
    private final String serverMessage;

    public CommandFailedException(int requestId, String command, String serverMessage) {
        super("command '" + command + "' (request " + Integer.toUnsignedString(requestId) + ") failed: "
                + serverMessage);
        this.requestId = requestId;
        this.command = command;
        this.serverMessage = serverMessage;
    }

    public int requestId() {
        return requestId;
    }

    public String command() {
        return command;
    }

    /** The server's error text, as it sent it. */
    public String serverMessage() {
        return serverMessage;
    }
}
