package dev.ferry.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.server.DrainWindow;
import dev.ferry.testkit.Waits;
import org.junit.jupiter.api.Test;

/** The reconnect baseline follows the server drain's concurrency policy. */
class SameConcurrencyPolicyTest {
    @Test
    void theBaselineWindowIsTheServerDrainsWindowSplitOverTheWorkers() {
        ReconnectPolicy p = ReconnectPolicy.sameAsDrain(2, 0);
        var slots = (ReconnectPolicy.AdaptiveSlots) p.slots();

        assertThat(2 * slots.size()).isEqualTo(DrainWindow.SERVER.initial());
    }

    @Test
    void anAdaptiveWindowGrowsWithMovesThatDoNotWaitInLine() throws Exception {
        ReconnectPolicy p = ReconnectPolicy.sameAsDrain(1, 0);
        ReconnectPolicy.Slots slots = p.slots();
        long origin = System.nanoTime();
        for (int i = 0; i < DrainWindow.SERVER.initial(); i++) p.admit(i, origin, slots);
        for (int i = 0; i < DrainWindow.SERVER.initial(); i++) slots.moved(1_000_000);

        assertThat(((ReconnectPolicy.AdaptiveSlots) slots).size()).isEqualTo(2 * DrainWindow.SERVER.initial());
    }

    @Test
    void aFailedMoveFreesItsPlaceButTeachesTheWindowNothing() throws Exception {
        ReconnectPolicy p = ReconnectPolicy.sameAsDrain(1, 0);
        var slots = (ReconnectPolicy.AdaptiveSlots) p.slots();
        long origin = System.nanoTime();
        for (int i = 0; i < DrainWindow.SERVER.initial(); i++) p.admit(i, origin, slots);
        for (int i = 0; i < DrainWindow.SERVER.initial(); i++) slots.failed();

        assertThat(slots.size())
                .as("as the server's drain: only moves that moved count")
                .isEqualTo(DrainWindow.SERVER.initial());
        assertThat(slots.taken()).as("every place free again").isZero();
        for (int i = 0; i < DrainWindow.SERVER.initial(); i++) p.admit(i, origin, slots);
        assertThat(slots.taken()).isEqualTo(DrainWindow.SERVER.initial());
    }

    @Test
    void theWindowIsSplitOverTheWorkersWithoutLosingAny() {
        for (int workers : new int[] {2, 3}) {
            DrainWindow.Bounds part = DrainWindow.SERVER.splitOver(workers);
            assertThat(workers * part.max()).isGreaterThanOrEqualTo(DrainWindow.SERVER.max());
            assertThat(workers * part.min()).isGreaterThanOrEqualTo(DrainWindow.SERVER.min());
            assertThat(workers * part.initial()).isGreaterThanOrEqualTo(DrainWindow.SERVER.initial());
        }
        assertThat(ReconnectPolicy.ALL_AT_ONCE.windowParts()).isZero(); // no window stays no window
    }

    @Test
    void allAtOnceEverySessionIsDecidedAtTheOrigin() throws Exception {
        ReconnectPolicy p = ReconnectPolicy.ALL_AT_ONCE;
        ReconnectPolicy.Slots slots = p.slots();
        long origin = System.nanoTime() - 5_000_000;
        for (int i = 0; i < 100; i++) assertThat(p.admit(i, origin, slots)).isEqualTo(origin);
    }

    @Test
    void pacedSessionsAreDecidedNoSoonerThanTheirTurn() throws Exception {
        ReconnectPolicy p = ReconnectPolicy.sameAsDrain(1, 1000);
        ReconnectPolicy.Slots slots = p.slots();
        long origin = System.nanoTime();
        for (int i = 0; i < DrainWindow.SERVER.initial(); i++) {
            long decided = p.admit(i, origin, slots);
            assertThat(decided - origin).isGreaterThanOrEqualTo(i * 1_000_000L);
        }
        // The window is full: the next session waits for one to finish its move.
        Thread next = Thread.ofVirtual().start(() -> {
            try {
                slots.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await().atMost(Waits.STATE).until(() -> next.getState() == Thread.State.WAITING);
        slots.moved(1_000_000);
        assertThat(next.join(Waits.STATE)).as("admitted once a move ended").isTrue();
    }
}
