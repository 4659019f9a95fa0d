package dev.ferry.store;

/**
 * What a source writes to the store: the SHA-256 of the session's current resume token and the
 * serialized session state. The store treats {@code payload} as opaque bytes.
 */
public record ExportedContext(byte[] tokenSha256, byte[] payload) {
    public ExportedContext {
        if (tokenSha256 == null || tokenSha256.length != 32) {
            throw new IllegalArgumentException("tokenSha256 must be 32 bytes");
        }
        if (payload == null) throw new IllegalArgumentException("payload must not be null");
    }
}
