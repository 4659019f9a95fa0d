package dev.ferry.client;

import java.nio.charset.StandardCharsets;

/**
 * One result row. {@code seq} is the row's position in its request (0, 1, 2, ...), continuous
 * across migrations.
 *
 * @param data the row's bytes; not copied, do not modify
 */
public record Row(long seq, byte[] data) {
    public Row {
        if (data == null) throw new IllegalArgumentException("data must not be null");
    }

    /** The row's data decoded as UTF-8. */
    public String text() {
        return new String(data, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "Row[seq=" + seq + ", text=" + text() + "]";
    }
}
