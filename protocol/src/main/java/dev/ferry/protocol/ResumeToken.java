package dev.ferry.protocol;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A 256-bit secret that proves the right to resume a session. Servers keep only its
 * {@link #sha256() hash}; {@link #toString()} never prints the secret.
 */
public final class ResumeToken {
    public static final int BYTES = 32;

    private final byte[] bytes;

    private ResumeToken(byte[] bytes) {
        this.bytes = bytes;
    }

    public static ResumeToken random(SecureRandom random) {
        byte[] b = new byte[BYTES];
        random.nextBytes(b);
        return new ResumeToken(b);
    }

    public static ResumeToken of(byte[] bytes) {
        if (bytes == null || bytes.length != BYTES) {
            throw new IllegalArgumentException("a resume token is " + BYTES + " bytes");
        }
        return new ResumeToken(bytes.clone());
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** SHA-256 of the token, the only form a server stores. */
    public byte[] sha256() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256());
    }

    /** Constant-time check of this token against a stored hash. */
    public boolean matches(byte[] storedSha256) {
        return storedSha256 != null && MessageDigest.isEqual(sha256(), storedSha256);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResumeToken other && MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "ResumeToken[redacted]";
    }
}
