package dev.ferry.admin.api;

/**
 * The migrations a server started since it started ({@code migrations} of the status).
 *
 * @param handedOff  sessions closed because their idle migration timer ran out before they moved
 *                   (they resume from the context store on their next command), apart from completed
 * @param lastFailure why the last migration failed, or null
 */
public record Migrations(long requested, long completed, long handedOff, long failed, String lastFailure) {}
