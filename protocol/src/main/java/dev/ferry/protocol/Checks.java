package dev.ferry.protocol;

import java.nio.charset.StandardCharsets;

/** Argument checks shared by the frame records, so a frame that exists can always be encoded. */
final class Checks {
    private Checks() {}

    static void notNull(String name, Object value) {
        if (value == null) throw new IllegalArgumentException(name + " must not be null");
    }

    static void u8(String name, int value) {
        if (value < 0 || value > 0xFF) throw new IllegalArgumentException(name + " must fit in 8 bits, was " + value);
    }

    static void u16(String name, int value) {
        if (value < 0 || value > 0xFFFF)
            throw new IllegalArgumentException(name + " must fit in 16 bits, was " + value);
    }

    /** Java ints hold u32 values as their bit pattern; any int is a valid u32. */
    static void u32(String name, int value) {}

    static void u32(String name, long value) {
        if (value < 0 || value > 0xFFFF_FFFFL)
            throw new IllegalArgumentException(name + " must fit in 32 bits, was " + value);
    }

    static void requestId(int requestId) {
        if (requestId == 0) throw new IllegalArgumentException("requestId 0 is reserved for 'no request'");
    }

    static void str16(String name, String value) {
        notNull(name, value);
        if (value.length() > 0xFFFF / 3 && value.getBytes(StandardCharsets.UTF_8).length > 0xFFFF) {
            throw new IllegalArgumentException(name + " must be at most 65535 UTF-8 bytes");
        }
    }
}
