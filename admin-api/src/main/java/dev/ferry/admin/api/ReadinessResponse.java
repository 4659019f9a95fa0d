package dev.ferry.admin.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Body of {@code GET /healthz/ready}: 200 when the server takes sessions, 503 when it does not.
 * Fields that do not apply are left out.
 *
 * @param serving false while the server drains or stops
 * @param store   the context store's last ping; left out while the server is not serving or warming up
 * @param warmUp  the warm-up's state (PENDING, RUNNING) while readiness waits for it; else left out
 * @param error   why the server is not ready; left out when it is
 */
public record ReadinessResponse(
        Readiness status,
        @JsonInclude(JsonInclude.Include.NON_NULL) Boolean serving,
        @JsonInclude(JsonInclude.Include.NON_NULL) StoreState store,
        @JsonInclude(JsonInclude.Include.NON_NULL) String warmUp,
        @JsonInclude(JsonInclude.Include.NON_NULL) String error) {
    public enum Readiness {
        READY,
        NOT_READY
    }

    /** UNCHECKED: the admin API was started without the context store, so readiness does not ping it. */
    public enum StoreState {
        UP,
        DOWN,
        UNCHECKED
    }
}
