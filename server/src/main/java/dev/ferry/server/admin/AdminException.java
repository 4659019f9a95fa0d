package dev.ferry.server.admin;

import java.util.Map;

/**
 * A request the admin API refuses, with the HTTP status and a message that says what is wrong
 * and how to fix it. Thrown anywhere in request handling; the router turns it into a JSON error.
 */
final class AdminException extends Exception {
    private final int status;
    private final Map<String, String> headers;

    AdminException(int status, String message) {
        this(status, message, Map.of());
    }

    AdminException(int status, String message, Map<String, String> headers) {
        super(message, null, false, false); // control flow for bad input: no stack trace needed
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    static AdminException badRequest(String message) {
        return new AdminException(400, message);
    }

    int status() {
        return status;
    }

    Map<String, String> headers() {
        return headers;
    }

    AdminResponse toResponse() {
        return AdminResponse.error(status, getMessage(), headers);
    }
}
