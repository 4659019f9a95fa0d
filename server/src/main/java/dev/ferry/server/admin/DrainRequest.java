package dev.ferry.server.admin;

import dev.ferry.protocol.Frame;
import java.util.List;
import java.util.Set;

/** Body of {@code POST /v1/drain}: where to send every session, and how fast. */
record DrainRequest(List<String> targets, double ratePerSecond) {
    static final String EXAMPLE = "{\"targets\":[\"10.0.0.2:7000\",\"10.0.0.3:7000\"],\"ratePerSecond\":500}";
    /** Far above any real drain rate; refuses nonsense like 1e300 that would overflow a token bucket. */
    static final double MAX_RATE = 10_000_000;

    static DrainRequest parse(AdminRequest request) throws AdminException {
        JsonBody body = JsonBody.parse(request, Set.of("targets", "ratePerSecond"), EXAMPLE);
        List<String> targets = body.stringList("targets", 1, Frame.Migrate.MAX_TARGETS, TargetAddress::check);
        double rate = body.number(
                "ratePerSecond",
                0,
                MAX_RATE,
                "of sessions asked to migrate per second, from 0 to " + (long) MAX_RATE + " (0 = all at once)");
        return new DrainRequest(targets, rate);
    }
}
