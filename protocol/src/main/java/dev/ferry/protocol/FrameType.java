package dev.ferry.protocol;

/** The frame type byte. Values are part of the wire format and never reused. */
public enum FrameType {
    HELLO(0x01),
    WELCOME(0x02),
    COMMAND(0x03),
    ROW(0x04),
    MESSAGE(0x05),
    DONE(0x06),
    ATTENTION(0x07),
    MIGRATE(0x08),
    MIGRATE_CANCEL(0x09),
    RESUME(0x0A),
    DEFERRED(0x0B),
    GOODBYE(0x0C),
    ERROR(0x0D);

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType t : values()) BY_CODE[t.code] = t;
    }

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** @return the type for {@code code}, or {@code null} if no frame type has that byte */
    public static FrameType of(int code) {
        return code >= 0 && code < 256 ? BY_CODE[code] : null;
    }
}
