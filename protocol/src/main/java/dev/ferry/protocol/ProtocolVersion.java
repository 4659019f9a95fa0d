package dev.ferry.protocol;

/** Protocol versions. The frame header ({@code u32 length | u8 type}) is the same in every version. */
public final class ProtocolVersion {
    public static final int V1 = 1;
    public static final int CURRENT = V1;
    /** Default cap on a frame's length field, in bytes (1 MiB). */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 1 << 20;

    private ProtocolVersion() {}

    public static boolean isSupported(int version) {
        return version == V1;
    }
}
