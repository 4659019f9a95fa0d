package dev.ferry.bench.server;

import dev.ferry.reference.ReferenceHandler;
import dev.ferry.server.MigrationState;
import dev.ferry.server.Request;
import dev.ferry.server.Session;
import dev.ferry.server.SessionHandler;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The reference server's handler as it is, plus what the benchmarks need to measure both sides
 * the same way:
 * <ul>
 *   <li>every session's move decision (NONE to REQUESTED) goes to {@link MoveDecisions};</li>
 *   <li>{@code STREAMFROM first count delayMs}: rows {@code first .. first+count-1} (payload = the
 *       row's position in the whole stream, as {@code STREAM}'s rows are), paced like {@code STREAM}.
 *       It is what a client without Ferry does best after losing its server: ask a peer for the
 *       rest of the stream, from the first row it has not seen.</li>
 * </ul>
 */
public final class BenchHandler implements SessionHandler {
    private static final long MAX_ROWS = 100_000_000L;

    private final SessionHandler reference;
    private final MoveDecisions decisions;

    public BenchHandler(SessionHandler reference, MoveDecisions decisions) {
        this.reference = reference;
        this.decisions = decisions;
    }

    @Override
    public void onConnect(Session session) {
        reference.onConnect(session);
    }

    @Override
    public void onCommand(Session session, Request request) throws Exception {
        if (!isStreamFrom(request.command())) {
            reference.onCommand(session, request);
            return;
        }
        String[] w = request.command().trim().split("\\s+");
        long first = w.length == 4 ? number(w[1], MAX_ROWS) : -1;
        long count = w.length == 4 ? number(w[2], MAX_ROWS) : -1;
        long delay = w.length == 4 ? number(w[3], 60_000) : -1;
        if (first < 0 || count < 0 || delay < 0) {
            request.fail("ERR usage: STREAMFROM first count delayMs");
            return;
        }
        streamFrom(request, first, first + count, delay);
    }

    @Override
    public boolean isNonBlocking(String command) {
        return !isStreamFrom(command) && reference.isNonBlocking(command);
    }

    /** Checked without a regex split: this runs before every command the reference handler serves. */
    private static boolean isStreamFrom(String command) {
        return ReferenceHandler.startsWithWord(command, "STREAMFROM");
    }

    @Override
    public void onAttention(Session session, Request request) {
        reference.onAttention(session, request);
    }

    @Override
    public void onMigrateState(Session session, MigrationState from, MigrationState to) {
        // The SDK calls this after the transition, from another thread; the clock read then would be late by
        // that hand-off and shorten the measured pause by as much, so the decision's own time is taken.
        if (to == MigrationState.REQUESTED)
            decisions.requested(session.id().toString(), session.migrationRequestedNanos());
        reference.onMigrateState(session, from, to);
    }

    @Override
    public void onResume(Session session) {
        reference.onResume(session);
    }

    @Override
    public void onMigrateResume(Session session, Request request) throws Exception {
        if (!isStreamFrom(request.command())) {
            reference.onMigrateResume(session, request);
            return;
        }
        ByteBuffer cursor = ByteBuffer.wrap(request.cursor());
        streamFrom(request, cursor.getLong(), cursor.getLong(), cursor.getLong());
    }

    @Override
    public void onDisconnect(Session session, MigrationState state) {
        reference.onDisconnect(session, state);
    }

    /**
     * Rows {@code next .. end-1}, one every {@code delayMs} (the first at once), with a checkpoint
     * before each row: paced and migrated exactly as the reference server's {@code STREAM}.
     */
    private static void streamFrom(Request request, long next, long end, long delayMs) throws InterruptedException {
        for (long i = next; i < end; i++) {
            if (request.shouldYield()) {
                request.suspend(cursor(i, end, delayMs));
                return;
            }
            if (delayMs > 0 && i > next) {
                request.pause(Duration.ofMillis(delayMs));
                if (request.isCancelled()) return;
                if (request.shouldYield()) {
                    request.suspend(cursor(i, end, delayMs));
                    return;
                }
            }
            if (!request.row(Long.toString(i))) return; // cancelled or the client is gone
        }
        request.done();
    }

    private static byte[] cursor(long next, long end, long delayMs) {
        return ByteBuffer.allocate(24)
                .putLong(next)
                .putLong(end)
                .putLong(delayMs)
                .array();
    }

    private static long number(String word, long max) {
        try {
            long v = Long.parseLong(word);
            return v < 0 || v > max ? -1 : v;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
