package dev.ferry.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class SinceDecisionTest {
    @Test
    void eachPauseRunsFromItsSessionsDecisionToItsMove() {
        Map<String, Long> decided = Map.of("a", 1_000_000L, "b", 2_000_000L, "c", 3_000_000L);
        Map<String, Long> moved = Map.of("a", 4_000_000L, "b", 12_000_000L, "z", 9_000_000L);

        Histogram h = SinceDecision.pauses(decided, moved, "test");

        // a: 3 ms, b: 10 ms; z has no decision and c did not move: neither is counted
        assertThat(h.getTotalCount()).isEqualTo(2);
        assertThat(h.getMinValue()).isBetween(2_990L, 3_010L);
        assertThat(h.getMaxValue()).isBetween(9_990L, 10_010L);
    }
}
