package dev.ferry.bench;

import dev.ferry.client.Row;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks one reader's rows against their place in the stream: each row's payload must be its
 * position (the reference server's {@code STREAM} and the benchmark's {@code STREAMFROM} send the
 * position as text), positions must follow each other with none skipped (lost) and none again
 * (duplicated). A restarted request starts its {@code seq} at 0 again; {@code offset} maps it to
 * the position in the whole stream.
 */
final class StreamCheck {
    /** Counters shared by every reader of a run. */
    record Counts(AtomicLong lost, AtomicLong duplicated, AtomicLong badPayload) {
        Counts() {
            this(new AtomicLong(), new AtomicLong(), new AtomicLong());
        }
    }

    private final Counts counts;
    private long next;

    StreamCheck(Counts counts) {
        this.counts = counts;
    }

    /** The first position not seen yet: where a restarted stream must begin. */
    long next() {
        return next;
    }

    /**
     * Checks a row of a request that started at position {@code offset}.
     *
     * @return true if the row is new (not a duplicate)
     */
    boolean accept(Row row, long offset) {
        long position = offset + row.seq();
        if (!row.text().equals(Long.toString(position))) counts.badPayload().incrementAndGet();
        if (position < next) {
            counts.duplicated().incrementAndGet();
            return false;
        }
        if (position > next) counts.lost().addAndGet(position - next);
        next = position + 1;
        return true;
    }
}
