package dev.ferry.conformance.driver;

import dev.ferry.client.CommandFailedException;
import dev.ferry.client.CommandTimeoutException;
import dev.ferry.client.ConnectFailedException;
import dev.ferry.client.FerryException;
import dev.ferry.client.ResumeRefusedException;
import dev.ferry.client.ServerLostException;
import dev.ferry.client.SessionExpiredException;
import dev.ferry.client.SessionLostException;
import dev.ferry.protocol.ErrorCode;

/**
 * Maps the Java client's exceptions to the driver protocol's error kinds. {@link SessionLostException} covers every
 * way a session's connection can end; the client gives the reason (GOODBYE, ERROR, failed migration) only in its
 * message, so that is where the kind is read from.
 */
final class DriverErrors {
    /** A driver error: the protocol's kind and a message. */
    record Kind(String kind, String message) {}

    private DriverErrors() {}

    static Kind of(Throwable t) {
        String message = String.valueOf(t.getMessage());
        return switch (t) {
            case CommandFailedException e -> new Kind("COMMAND_FAILED", e.serverMessage());
            case CommandTimeoutException e -> new Kind("TIMEOUT", message);
            case SessionExpiredException e -> new Kind("SESSION_EXPIRED", message);
            case ResumeRefusedException e ->
                new Kind(e.code() == ErrorCode.BAD_TOKEN ? "BAD_TOKEN" : "SESSION_ENDED", message);
            case ConnectFailedException e -> new Kind(connectKind(e.code()), message);
            case ServerLostException e -> new Kind("CONNECTION_LOST", message);
            case SessionLostException e -> new Kind(lostKind(message), message);
            case FerryException e ->
                new Kind(message.contains(" is closed") ? "SESSION_ENDED" : "CONNECTION_LOST", message);
            default -> new Kind("CONNECTION_LOST", t.toString());
        };
    }

    private static String connectKind(ErrorCode code) {
        if (code == null) return "CONNECTION_FAILED";
        return switch (code) {
            case NOT_SERVING -> "NOT_SERVING";
            case SERVER_FULL -> "SERVER_FULL";
            case UNSUPPORTED_VERSION -> "UNSUPPORTED_VERSION";
            case PROTOCOL_ERROR, FRAME_TOO_LARGE -> "PROTOCOL_ERROR";
            case BAD_TOKEN -> "BAD_TOKEN";
            case SESSION_EXPIRED -> "SESSION_EXPIRED";
            default -> "CONNECTION_FAILED";
        };
    }

    private static String lostKind(String message) {
        if (message.contains("GOODBYE(SHUTDOWN") || message.contains("GOODBYE(IDLE_TIMEOUT")) return "SESSION_ENDED";
        if (message.contains("ERROR PROTOCOL_ERROR") || message.contains("ERROR FRAME_TOO_LARGE"))
            return "PROTOCOL_ERROR";
        if (message.contains("every resume path failed") || message.contains("without MIGRATE_CANCEL"))
            return "SESSION_ENDED";
        return "CONNECTION_LOST";
    }
}
