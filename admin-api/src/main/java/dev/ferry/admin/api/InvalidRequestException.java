package dev.ferry.admin.api;

/**
 * A request that breaks the admin API's contract. The message names the field, says what was
 * expected and what came, and (for a body) shows a valid example, so that it can be shown to the
 * caller as it is; the server answers it with 400.
 */
public final class InvalidRequestException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidRequestException(String message) {
        super(message);
    }
}
