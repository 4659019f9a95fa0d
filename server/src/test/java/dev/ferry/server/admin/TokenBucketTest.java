package dev.ferry.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Test
    void allowsOneSecondsBurstThenTheSustainedRate() {
        TokenBucket bucket = new TokenBucket(5, now::get);

        for (int i = 0; i < 5; i++) assertThat(bucket.tryAcquire()).isZero();
        long wait = bucket.tryAcquire();

        assertThat(wait).isEqualTo(200_000_000L);
        now.addAndGet(wait);
        assertThat(bucket.tryAcquire()).isZero();
        assertThat(bucket.tryAcquire()).isPositive();
    }

    @Test
    void aRateBelowOneStillAllowsOneRequest() {
        TokenBucket bucket = new TokenBucket(0.5, now::get);

        assertThat(bucket.tryAcquire()).isZero();
        assertThat(bucket.tryAcquire()).isEqualTo(2_000_000_000L);
    }

    @Test
    void idleTimeDoesNotBankMoreThanOneSecond() {
        TokenBucket bucket = new TokenBucket(2, now::get);
        now.addAndGet(3_600_000_000_000L);

        assertThat(bucket.tryAcquire()).isZero();
        assertThat(bucket.tryAcquire()).isZero();
        assertThat(bucket.tryAcquire()).isPositive();
    }
}
