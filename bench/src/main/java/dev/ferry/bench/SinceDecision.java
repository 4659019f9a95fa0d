package dev.ferry.bench;

import java.util.Map;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pauses measured from the server's decision: for each session that moved, the time from when
 * the source decided it must move to when its client had moved, both on {@link System#nanoTime()}
 * of this machine (the server and the client are different processes on the same clock).
 */
final class SinceDecision {
    private static final Logger log = LoggerFactory.getLogger(SinceDecision.class);

    private SinceDecision() {}

    /**
     * @param decidedAt session ID to when the source decided it must move
     * @param movedAt   session ID to when its client completed the move
     * @return pauses in microseconds, one per session found in both
     */
    static Histogram pauses(Map<String, Long> decidedAt, Map<String, Long> movedAt, String what) {
        Histogram h = new Histogram(3);
        int undecided = 0;
        for (Map.Entry<String, Long> e : movedAt.entrySet()) {
            Long decided = decidedAt.get(e.getKey());
            if (decided == null) {
                undecided++;
                continue;
            }
            h.recordValue(Math.max(1, (e.getValue() - decided) / 1000));
        }
        // A session moved with no decision recorded would be a benchmark fault; it is left out of
        // the pauses (and said), never counted as zero.
        if (undecided > 0)
            log.warn("{}: {} sessions moved without a recorded decision; left out of the pauses", what, undecided);
        long notMoved = decidedAt.keySet().stream()
                .filter(id -> !movedAt.containsKey(id))
                .count();
        if (notMoved > 0)
            log.info("{}: {} sessions were asked to move but had not moved when the round ended", what, notMoved);
        return h;
    }
}
