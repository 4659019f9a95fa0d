package dev.ferry.client;

import java.util.List;

/**
 * The outcome of one command.
 *
 * @param rows      the rows not already taken with {@link ResultStream#next()} (all rows for
 *                  {@link FerrySession#execute(String)})
 * @param messages  every MESSAGE of the request, in order
 * @param rowCount  the row count from the server's final DONE (rows of every server that ran it)
 * @param cancelled the request ended with DONE(ATTENTION), or was cancelled before any server ran it
 * @param error     the final DONE carried the ERROR flag (only visible through
 *                  {@link ResultStream}; {@code execute} throws {@link CommandFailedException} instead)
 */
public record Result(List<Row> rows, List<ServerMessage> messages, long rowCount, boolean cancelled, boolean error) {
    public Result {
        rows = List.copyOf(rows);
        messages = List.copyOf(messages);
    }

    /** The first row's text, or {@code null} if there is no row. Handy for one-row commands. */
    public String firstText() {
        return rows.isEmpty() ? null : rows.get(0).text();
    }
}
