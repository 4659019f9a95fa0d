package dev.ferry.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The idle drain warms up while any scenario still gets faster by more than 10% a round. */
class WarmUpRuleTest {
    @Test
    void aScenarioStillGettingFasterKeepsTheWarmUpGoing() {
        assertThat(IdleDrainBenchmark.stillRising(new double[] {3_400, 7_400}, new double[] {5_300, 7_500}))
                .as("Ferry 3,400 -> 5,300/s")
                .isTrue();
        assertThat(IdleDrainBenchmark.stillRising(new double[] {6_500, 9_200}, new double[] {6_700, 11_000}))
                .as("the reconnect 9,200 -> 11,000/s")
                .isTrue();
    }

    @Test
    void ratesWithinTenPercentOrFallingEndIt() {
        assertThat(IdleDrainBenchmark.stillRising(new double[] {6_500, 9_200}, new double[] {7_100, 9_900}))
                .isFalse();
        assertThat(IdleDrainBenchmark.stillRising(new double[] {7_000, 10_000}, new double[] {5_000, 8_000}))
                .as("a slower round is the machine's noise, not a cold JVM")
                .isFalse();
    }
}
