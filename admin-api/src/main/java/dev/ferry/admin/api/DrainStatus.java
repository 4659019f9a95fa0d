package dev.ferry.admin.api;

import java.util.List;

/**
 * A server's running or last drain ({@code POST /v1/drain}'s answer, {@code drain} of the status).
 *
 * @param requested       sessions asked to migrate so far
 * @param notYetRequested sessions still to be asked (the rate holds them back)
 * @param finished        every session was asked and the drain was not cancelled
 */
public record DrainStatus(
        List<String> targets,
        double ratePerSecond,
        int requested,
        int notYetRequested,
        long elapsedMillis,
        boolean cancelled,
        boolean finished) {
    public DrainStatus {
        targets = Copies.list(targets);
    }
}
