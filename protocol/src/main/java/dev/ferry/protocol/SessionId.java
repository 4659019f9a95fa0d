package dev.ferry.protocol;

import java.security.SecureRandom;
import java.util.HexFormat;

/** A 128-bit session ID, drawn from a CSPRNG; printed as 32 lowercase hex digits. */
public record SessionId(long high, long low) {
    public static final int BYTES = 16;

    public static SessionId random(SecureRandom random) {
        return new SessionId(random.nextLong(), random.nextLong());
    }

    /** @throws IllegalArgumentException if {@code hex} is not 32 hex digits */
    public static SessionId parse(String hex) {
        if (hex == null || hex.length() != 32) {
            throw new IllegalArgumentException(
                    "a session ID is 32 hex digits, got " + (hex == null ? "null" : "'" + hex + "'"));
        }
        try {
            return new SessionId(Long.parseUnsignedLong(hex, 0, 16, 16), Long.parseUnsignedLong(hex, 16, 32, 16));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a session ID is 32 hex digits, got '" + hex + "'", e);
        }
    }

    @Override
    public String toString() {
        return HexFormat.of().toHexDigits(high) + HexFormat.of().toHexDigits(low);
    }
}
