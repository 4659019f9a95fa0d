package dev.ferry.admin.api;

import java.util.List;

/** Body of {@code GET /v1/peers} and of {@code PUT /v1/peers}'s answer: where a SIGTERM drains to. */
public record PeersResponse(List<String> peers) {
    public PeersResponse {
        peers = Copies.list(peers);
    }
}
