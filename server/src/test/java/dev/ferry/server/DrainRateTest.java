package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A rate-limited drain's token bucket, on a clock that moves only when told. */
class DrainRateTest {
    private static final long START = 1_000_000_000L;

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void tokensComeDueAtTheRateWhileTheDrainWaitsForThem() {
        DrainRate rate = new DrainRate(10, START);
        assertThat(rate.take(START)).isZero();
        rate.waitingForTokens(true);
        assertThat(rate.nanosUntilNextLook(START)).isEqualTo(ms(100));

        assertThat(rate.take(START + ms(99))).isZero();
        assertThat(rate.take(START + ms(150))).isEqualTo(1);
        assertThat(rate.take(START + ms(350))).as("2.5 due").isEqualTo(2);
    }

    @Test
    void tokensNotSpentAtALookAreDropped() {
        DrainRate rate = new DrainRate(1000, START);
        rate.waitingForTokens(true);
        assertThat(rate.take(START + ms(10))).isEqualTo(10);
        assertThat(rate.take(START + ms(10))).as("the same instant again").isZero();
    }

    @Test
    void aDrainHeldUpByItsOtherLimitsDoesNotCatchUpInABurst() {
        DrainRate rate = new DrainRate(1000, START);
        rate.waitingForTokens(false); // e.g. as many sessions on their way as allowed
        assertThat(rate.take(START + ms(5_000)))
                .as("one look's worth, not five seconds'")
                .isEqualTo(2);
    }

    @Test
    void atMostOneSecondsWorthAddsUpWhileWaiting() {
        DrainRate rate = new DrainRate(5, START);
        rate.waitingForTokens(true);
        assertThat(rate.take(START + ms(60_000))).isEqualTo(5);
    }

    @Test
    void aHighRateIsSpentInBatchesNotOneWakeUpPerSession() {
        DrainRate rate = new DrainRate(100_000, START);
        rate.waitingForTokens(true);
        assertThat(rate.nanosUntilNextLook(START)).isEqualTo(DrainRate.LOOK_EVERY_NANOS);
        assertThat(rate.take(START + DrainRate.LOOK_EVERY_NANOS)).isEqualTo(200);
    }

    @Test
    void aRateMustBePositive() {
        assertThatThrownBy(() -> new DrainRate(0, START)).isInstanceOf(IllegalArgumentException.class);
    }
}
