package dev.ferry.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SchedStatsTest {

    @Test
    void parsesTheThreeFieldsOfASchedstatLine() {
        assertThat(SchedStats.parse("123456 7890 42\n")).containsExactly(123456L, 7890L, 42L);
    }

    @Test
    void rejectsLinesThatAreNotSchedstat() {
        assertThat(SchedStats.parse("")).isNull();
        assertThat(SchedStats.parse("1 2")).isNull();
        assertThat(SchedStats.parse("a b c")).isNull();
    }

    @Test
    void aBusyThreadOfThisProcessShowsUpAsRunTime() throws Exception {
        long pid = ProcessHandle.current().pid();
        Map<String, SchedStats.Totals> before = SchedStats.snapshot(Map.of("self", pid));
        Thread spinner = Thread.ofPlatform().start(() -> {
            long until = System.nanoTime() + 50_000_000L;
            long x = 0;
            while (System.nanoTime() < until) x++;
            if (x == 42) System.gc(); // keeps the loop from being removed
        });
        spinner.join();
        Map<String, SchedStats.Totals> d = SchedStats.minus(SchedStats.snapshot(Map.of("self", pid)), before);
        // The spinner exited, so its own figures are gone; the joining main thread still ran.
        assertThat(d).containsKey("self");
        assertThat(d.get("self").runNanos()).isPositive();
        assertThat(d.get("self").timeslices()).isPositive();
    }

    @Test
    void aProcessThatDoesNotExistIsLeftOut() {
        assertThat(SchedStats.snapshot(Map.of("gone", Long.MAX_VALUE))).isEmpty();
    }
}
