package dev.ferry.kubectl;

import dev.ferry.admin.api.AdminJson;
import dev.ferry.admin.api.StatusResponse;

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

    /** @throws IllegalArgumentException when the answer is not the admin API's status */
    public static PodStatus parse(String body) {
        StatusResponse status;
        try {
            status = AdminJson.read(body, StatusResponse.class);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the admin API's /v1/status answer is not JSON of its status", e);
        }
        if (status.sessions() == null) {
            throw new IllegalArgumentException("the admin API's /v1/status answer has no sessions.total");
        }
        var migrations = status.migrations();
        return new PodStatus(
                status.serving(),
                status.sessions().total(),
                status.sessions().inFlight(),
                status.draining(),
                migrations == null ? 0 : migrations.completed(),
                migrations == null ? 0 : migrations.failed());
    }
}
