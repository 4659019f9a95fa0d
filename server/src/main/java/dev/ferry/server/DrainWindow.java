package dev.ferry.server;

import java.util.Arrays;

/**
 * How many sessions a drain keeps on their way at once, adapted to how long moves take.
 *
 * <p>A move that waits in line (for a CPU, the targets' accept queues, the store) takes longer
 * without the drain finishing sooner: once the machine is busy, every extra session on its way only
 * adds its wait to every client's pause. So the window follows the rule of TCP Vegas: from the
 * typical move of the fastest window so far (what a move costs with nothing in line) and the
 * typical move of the last window, it estimates how many sessions wait in line,
 * {@code size * (1 - fastest / last)}, and keeps that between {@code alpha} and {@code beta}: enough
 * in line that the busiest part never idles, few enough that pauses stay near the fastest moves.
 * "Typical" is the window's median move, not its mean or the single fastest move: move times have a
 * long tail of their own (a garbage collection, a JIT compile, a descheduled thread) that is not a
 * line, and the single fastest move of a drain is luckier than any window. Where moves are slow but
 * nothing is in line (a network between the pods), the window grows until the line forms, up to
 * {@code max}.
 *
 * <p>It starts at {@code initial} and doubles every window until a line shows, then grows by one
 * per window and shrinks by half of how far the line is over {@code beta} (at least one). Not
 * thread-safe: its drain's.
 */
public final class DrainWindow {
    /** The server's drain: 4 to 64 on their way, starting at 8, 3 to 9 of them waiting in line. */
    public static final Bounds SERVER = new Bounds(4, 8, 64, 3, 9);

    /**
     * @param min     never fewer on their way (a slow move must not stall the drain)
     * @param initial where it starts
     * @param max     never more
     * @param alpha   fewer than this estimated in line: grow
     * @param beta    more than this in line: shrink
     */
    public record Bounds(int min, int initial, int max, double alpha, double beta) {
        public Bounds {
            if (min < 1 || initial < min || max < initial)
                throw new IllegalArgumentException(
                        "need 1 <= min <= initial <= max, got " + min + ", " + initial + ", " + max);
            if (alpha < 0 || beta < alpha)
                throw new IllegalArgumentException("need 0 <= alpha <= beta, got " + alpha + ", " + beta);
        }

        /** The same policy split over {@code parts} independent movers (each with its share of the sessions). */
        public Bounds splitOver(int parts) {
            if (parts < 1) throw new IllegalArgumentException("parts must be 1 or more, was " + parts);
            int mn = Math.max(1, Math.ceilDiv(min, parts));
            int in = Math.max(mn, Math.ceilDiv(initial, parts));
            return new Bounds(mn, in, Math.max(in, Math.ceilDiv(max, parts)), alpha / parts, beta / parts);
        }
    }

    private final Bounds bounds;
    private int size;
    private boolean slowStart = true;
    /** The lowest median of a window so far. */
    private long fastestNanos = Long.MAX_VALUE;
    /** The moves of the window under way. */
    private final long[] moves;

    private int count;

    public DrainWindow(Bounds bounds) {
        this.bounds = bounds;
        this.size = bounds.initial();
        this.moves = new long[bounds.max()];
    }

    /** How many sessions may be on their way now. */
    public int size() {
        return size;
    }

    /** A session asked to move is no longer on its way; {@code nanos} from when it was asked. */
    public void moved(long nanos) {
        moves[count++] = Math.max(1, nanos);
        if (count < size) return;
        Arrays.sort(moves, 0, count);
        long median = moves[count / 2];
        count = 0;
        fastestNanos = Math.min(fastestNanos, median);
        double inLine = size * (1 - (double) fastestNanos / median);
        if (inLine > bounds.beta()) {
            slowStart = false;
            // Far over (the doubling overshot, or the machine got busy): back off in proportion.
            size = Math.max(bounds.min(), size - Math.max(1, (int) ((inLine - bounds.beta()) / 2)));
        } else if (inLine < bounds.alpha()) {
            size = Math.min(bounds.max(), slowStart ? size * 2 : size + 1);
        } else {
            slowStart = false;
        }
    }
}
