package dev.ferry.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.server.DrainWindow;
import org.junit.jupiter.api.Test;

/** The reconnect baseline follows the server drain's concurrency policy. */
class SameConcurrencyPolicyTest {
    @Test
    void theBaselineWindowIsTheServerDrainsWindowSplitOverTheWorkers() {
        ReconnectPolicy p = ReconnectPolicy.sameAsDrain(2, 0);
        var slots = (ReconnectPolicy.AdaptiveSlots) p.slots();

        assertThat(2 * slots.size()).isEqualTo(DrainWindow.SERVER.initial());
        assertThat(ClientWorker.policy("adaptive:2", 0)).isEqualTo(p);
        assertThat(ClientWorker.policy("16", 500)).isEqualTo(new ReconnectPolicy(16, 500));
    }

    @Test
    void anAdaptiveWindowGrowsWithMovesThatDoNotWaitInLine() throws Exception {
        ReconnectPolicy p = ReconnectPolicy.sameAsDrain(1, 0);
        ReconnectPolicy.Slots slots = p.slots();
        long origin = System.nanoTime();
        for (int i = 0; i < DrainWindow.SERVER.initial(); i++) p.admit(i, origin, slots);
        for (int i = 0; i < DrainWindow.SERVER.initial(); i++) slots.release(1_000_000);

        assertThat(((ReconnectPolicy.AdaptiveSlots) slots).size()).isEqualTo(2 * DrainWindow.SERVER.initial());
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
        ReconnectPolicy.Slots slots = p.slots();
        long origin = System.nanoTime() - 5_000_000;
        for (int i = 0; i < 100; i++) assertThat(p.admit(i, origin, slots)).isEqualTo(origin);
    }

    @Test
    void pacedSessionsAreDecidedNoSoonerThanTheirTurn() throws Exception {
        ReconnectPolicy p = new ReconnectPolicy(4, 1000);
        ReconnectPolicy.Slots slots = p.slots();
        long origin = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            long decided = p.admit(i, origin, slots);
            assertThat(decided - origin).isGreaterThanOrEqualTo(i * 1_000_000L);
        }
    }
}
