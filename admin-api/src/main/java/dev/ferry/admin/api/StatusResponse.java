package dev.ferry.admin.api;

import java.util.List;

/**
 * Body of {@code GET /v1/status}: everything the operator and the tools read about one server.
 *
 * @param advertisedAddress where clients reach this server ({@code host:port}), as migration targets name it
 * @param serving           whether it takes new sessions (false while it drains or stops)
 * @param drain             its running or last drain, or null
 * @param store             the context store, described for people
 * @param peers             where a SIGTERM drains to
 */
public record StatusResponse(
        String name,
        String advertisedAddress,
        boolean serving,
        SessionCounts sessions,
        Timers timers,
        DrainStatus drain,
        Migrations migrations,
        String store,
        WriteThrough writeThrough,
        Claims claims,
        TlsStatus tls,
        List<String> peers) {
    public StatusResponse {
        peers = Copies.list(peers);
    }

    /** A drain was asked for and not cancelled. */
    public boolean draining() {
        return drain != null && !drain.cancelled();
    }
}
