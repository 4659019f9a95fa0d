package dev.ferry.admin.api;

import java.util.List;

/**
 * Body of {@code POST /v1/drain}: ask every session to migrate to {@code targets}, {@code
 * ratePerSecond} sessions a second (0: all at once). Replaces a drain that is running.
 */
public record DrainRequest(List<String> targets, double ratePerSecond) {
    public static final String EXAMPLE = "{\"targets\":[\"10.0.0.2:7000\",\"10.0.0.3:7000\"],\"ratePerSecond\":500}";
    /** Far above any real drain rate; refuses nonsense like 1e300 that would overflow a token bucket. */
    public static final double MAX_RATE = 10_000_000;

    static final String RATE =
            "a number of sessions asked to migrate per second, from 0 to " + (long) MAX_RATE + " (0 = all at once)";

    /** @throws InvalidRequestException when a field is out of bounds */
    public DrainRequest {
        targets = Fields.strings("targets", targets, 1, Limits.MAX_TARGETS, TargetAddress::check, EXAMPLE);
        if (!(ratePerSecond >= 0 && ratePerSecond <= MAX_RATE)) {
            throw Fields.wrong("ratePerSecond", RATE, "the number " + Fields.number(ratePerSecond), EXAMPLE);
        }
    }

    /**
     * Reads a request body strictly: unknown fields, duplicated keys and values of the wrong type are
     * refused.
     *
     * @throws InvalidRequestException saying what to fix
     */
    public static DrainRequest fromJson(byte[] body) {
        RequestBody json = RequestBody.parse(body, EXAMPLE, "targets", "ratePerSecond");
        List<String> targets = json.strings("targets", 1, Limits.MAX_TARGETS);
        double rate = json.requiredNumber("ratePerSecond", RATE);
        return new DrainRequest(targets, rate);
    }
}
