package dev.ferry.kubectl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What a pod's admin API answered to {@code GET /v1/status}, the part this plugin shows.
 *
 * @param serving    whether the server takes new sessions (false once it drains)
 * @param sessions   sessions it holds
 * @param inFlight   of those, sessions asked to migrate that have not left yet (REQUESTED, READY, MIGRATING)
 * @param draining   whether the server was asked to drain (and the drain was not cancelled)
 * @param migrated   migrations it completed since it started
 * @param failed     migrations that failed since it started
 */
public record PodStatus(boolean serving, long sessions, long inFlight, boolean draining, long migrated, long failed) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** @throws IllegalArgumentException when the answer is not the admin API's status */
    public static PodStatus parse(String body) {
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (Exception e) {
            throw new IllegalArgumentException("the admin API's /v1/status answer is not JSON");
        }
        if (node == null || !node.path("sessions").path("total").isIntegralNumber()) {
            throw new IllegalArgumentException("the admin API's /v1/status answer has no sessions.total");
        }
        JsonNode byState = node.path("sessions").path("byState");
        JsonNode drain = node.path("drain");
        boolean draining = drain.isObject() && !drain.path("cancelled").asBoolean(false);
        return new PodStatus(
                node.path("serving").asBoolean(true),
                node.path("sessions").path("total").asLong(),
                byState.path("REQUESTED").asLong(0)
                        + byState.path("READY").asLong(0)
                        + byState.path("MIGRATING").asLong(0),
                draining,
                node.path("migrations").path("completed").asLong(0),
                node.path("migrations").path("failed").asLong(0));
    }
}
