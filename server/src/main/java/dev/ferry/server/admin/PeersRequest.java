package dev.ferry.server.admin;

import java.util.List;
import java.util.Set;

/** Body of {@code PUT /v1/peers}: the servers a SIGTERM drains to when no operator says otherwise. */
record PeersRequest(List<String> peers) {
    static final String EXAMPLE = "{\"peers\":[\"10.0.0.2:7000\",\"10.0.0.3:7000\"]}";
    static final int MAX_PEERS = 1024;

    static PeersRequest parse(AdminRequest request) throws AdminException {
        JsonBody body = JsonBody.parse(request, Set.of("peers"), EXAMPLE);
        // An empty list is allowed: it says "no peers", so a SIGTERM closes sessions instead.
        return new PeersRequest(body.stringList("peers", 0, MAX_PEERS, TargetAddress::check).stream()
                .distinct()
                .toList());
    }
}
