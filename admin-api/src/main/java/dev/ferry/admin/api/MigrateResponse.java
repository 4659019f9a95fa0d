package dev.ferry.admin.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Body of {@code POST /v1/migrate}'s answer.
 *
 * @param requested sessions asked to migrate (fewer than asked for when some were migrating
 *                  already, or are not on this server)
 * @param notFound  of the listed sessions, those not on this server; only in answer to the list form
 *                  (null, and left out, for the count form), so a wrong ID is seen instead of a
 *                  silent 0
 */
public record MigrateResponse(
        int requested,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<String> notFound) {
    public MigrateResponse {
        notFound = Copies.list(notFound);
    }
}
