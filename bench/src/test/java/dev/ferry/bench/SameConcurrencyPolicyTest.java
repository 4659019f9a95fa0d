package dev.ferry.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;

/** The reconnect baseline follows the server drain's concurrency policy. */
class SameConcurrencyPolicyTest {
    @Test
    void theBaselineWindowIsTheServerDrainsWindow() throws Exception {
        Field f = Class.forName("dev.ferry.server.Drain").getDeclaredField("MAX_MOVING");
        f.setAccessible(true);
        assertThat(IdleDrainBenchmark.FERRY_WINDOW).isEqualTo(f.getInt(null));
    }

    @Test
    void theWindowIsSplitOverTheWorkersWithoutLosingAny() {
        assertThat(IdleDrainBenchmark.share(64, 2, 0) + IdleDrainBenchmark.share(64, 2, 1))
                .isEqualTo(64);
        assertThat(IdleDrainBenchmark.share(64, 3, 0)
                        + IdleDrainBenchmark.share(64, 3, 1)
                        + IdleDrainBenchmark.share(64, 3, 2))
                .isEqualTo(64);
        assertThat(IdleDrainBenchmark.share(0, 2, 1)).isZero(); // no window stays no window
    }

    @Test
    void allAtOnceEverySessionIsDecidedAtTheOrigin() throws Exception {
        ReconnectPolicy p = new ReconnectPolicy(0, 0);
        Semaphore slots = new Semaphore(Integer.MAX_VALUE);
        long origin = System.nanoTime() - 5_000_000;
        for (int i = 0; i < 100; i++) assertThat(p.admit(i, origin, slots)).isEqualTo(origin);
    }

    @Test
    void pacedSessionsAreDecidedNoSoonerThanTheirTurn() throws Exception {
        ReconnectPolicy p = new ReconnectPolicy(4, 1000);
        Semaphore slots = new Semaphore(4);
        long origin = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            long decided = p.admit(i, origin, slots);
            assertThat(decided - origin).isGreaterThanOrEqualTo(i * 1_000_000L);
        }
        assertThat(slots.availablePermits()).isZero(); // the fifth waits for a session to finish its move
    }
}
