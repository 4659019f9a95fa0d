package dev.ferry.admin.api;

import java.util.List;

/**
 * Body of {@code PUT /v1/peers}: the servers a SIGTERM drains to when no operator says otherwise.
 * An empty list is allowed: it says "no peers", so a SIGTERM closes sessions instead.
 */
public record PeersRequest(List<String> peers) {
    public static final String EXAMPLE = "{\"peers\":[\"10.0.0.2:7000\",\"10.0.0.3:7000\"]}";
    public static final int MAX_PEERS = 1024;

    /** @throws InvalidRequestException when a field is out of bounds */
    public PeersRequest {
        peers = Fields.strings("peers", peers, 0, MAX_PEERS, TargetAddress::check, EXAMPLE);
    }

    /** @throws InvalidRequestException saying what to fix */
    public static PeersRequest fromJson(byte[] body) {
        RequestBody json = RequestBody.parse(body, EXAMPLE, "peers");
        return new PeersRequest(json.strings("peers", 0, MAX_PEERS));
    }
}
