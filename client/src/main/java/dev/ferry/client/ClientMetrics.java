package dev.ferry.client;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Counters and the migration pause histogram of one {@link FerryClient}, shared by all its
 * sessions. Thread-safe; recording is cheap enough for the event loop.
 *
 * <p>Pause = time from reading MIGRATE on the source to receiving WELCOME(resumed) from the
 * target, recorded in microseconds; and apart, the part of it until the connection to that
 * target was open.
 */
public final class ClientMetrics {
    private final LongAdder sessionsOpened = new LongAdder();
    private final LongAdder migrationsCompleted = new LongAdder();
    private final LongAdder migrationsFailed = new LongAdder();
    private final LongAdder migrationsCancelled = new LongAdder();
    private final LongAdder failedResumes = new LongAdder();
    private final LongAdder deferredResends = new LongAdder();
    private final LongAdder duplicateRows = new LongAdder();
    private final LongAdder seqGaps = new LongAdder();
    private final LongAdder sessionsLost = new LongAdder();
    private final LongAdder serverLossResumes = new LongAdder();
    private final ConcurrentHistogram pauseMicros = new ConcurrentHistogram(3);
    private final ConcurrentHistogram connectMicros = new ConcurrentHistogram(3);

    ClientMetrics() {}

    void sessionOpened() {
        sessionsOpened.increment();
    }

    void migrationCompleted(long pauseNanos, long connectNanos) {
        migrationsCompleted.increment();
        pauseMicros.recordValue(Math.max(0, pauseNanos / 1000));
        connectMicros.recordValue(Math.max(0, connectNanos / 1000));
    }

    void migrationFailed() {
        migrationsFailed.increment();
    }

    void migrationCancelled() {
        migrationsCancelled.increment();
    }

    void resumeFailed() {
        failedResumes.increment();
    }

    void deferredResent() {
        deferredResends.increment();
    }

    void duplicateRow() {
        duplicateRows.increment();
    }

    void seqGap() {
        seqGaps.increment();
    }

    void sessionLost() {
        sessionsLost.increment();
    }

    void serverLossResumed() {
        serverLossResumes.increment();
    }

    /** Sessions resumed from a write-through save after their server's connection was lost. */
    public long serverLossResumes() {
        return serverLossResumes.sum();
    }

    public long sessionsOpened() {
        return sessionsOpened.sum();
    }

    /** Migrations that ended with WELCOME(resumed) on a target. */
    public long migrationsCompleted() {
        return migrationsCompleted.sum();
    }

    /** Migrations that ended the session (every path failed, expired, refused). */
    public long migrationsFailed() {
        return migrationsFailed.sum();
    }

    /** Migrations the source cancelled (MIGRATE_CANCEL); the session stayed. */
    public long migrationsCancelled() {
        return migrationsCancelled.sum();
    }

    /** Single resume attempts that failed (unreachable target, ERROR answer, no answer). */
    public long failedResumes() {
        return failedResumes.sum();
    }

    /** Commands sent again after DEFERRED or after a source closed without running them. */
    public long deferredResends() {
        return deferredResends.sum();
    }

    /** Rows dropped because their seq had been delivered already. Non-zero means a server bug. */
    public long duplicateRows() {
        return duplicateRows.sum();
    }

    /** Rows whose seq skipped ahead (logged as errors). Non-zero means a server bug. */
    public long seqGaps() {
        return seqGaps.sum();
    }

    /** Sessions that ended with SessionLost, SessionExpired or ResumeRefused. */
    public long sessionsLost() {
        return sessionsLost.sum();
    }

    /** A copy of the pause histogram, in microseconds. */
    public Histogram pauseHistogramMicros() {
        return pauseMicros.copy();
    }

    /** A copy of the histogram of the pause's first part, MIGRATE read to the target's connection open, in microseconds. */
    public Histogram connectHistogramMicros() {
        return connectMicros.copy();
    }

    public Snapshot snapshot() {
        Histogram h = pauseMicros.copy();
        boolean empty = h.getTotalCount() == 0;
        Histogram c = connectMicros.copy();
        return new Snapshot(
                sessionsOpened(),
                migrationsCompleted(),
                migrationsFailed(),
                migrationsCancelled(),
                failedResumes(),
                deferredResends(),
                duplicateRows(),
                seqGaps(),
                sessionsLost(),
                h.getTotalCount(),
                empty ? 0 : h.getValueAtPercentile(50) / 1000.0,
                empty ? 0 : h.getValueAtPercentile(99) / 1000.0,
                empty ? 0 : h.getMaxValue() / 1000.0,
                empty ? 0 : c.getValueAtPercentile(50) / 1000.0,
                empty ? 0 : c.getValueAtPercentile(99) / 1000.0);
    }

    /**
     * A point-in-time copy of every counter; pause figures in milliseconds. {@code connect*}: the
     * pause's part until the connection to the target that resumed the session was open.
     */
    public record Snapshot(
            long sessionsOpened,
            long migrationsCompleted,
            long migrationsFailed,
            long migrationsCancelled,
            long failedResumes,
            long deferredResends,
            long duplicateRows,
            long seqGaps,
            long sessionsLost,
            long pauseCount,
            double pauseP50Millis,
            double pauseP99Millis,
            double pauseMaxMillis,
            double connectP50Millis,
            double connectP99Millis) {}
}
