package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The drain's window against model machines: moves timed from the window's size, the way a busy
 * machine or a slow network times them.
 */
class DrainWindowTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    /** A machine that moves {@code perSecond} sessions a second at most; a move alone takes {@code aloneNanos}. */
    private static long busyMachine(int onTheirWay, double perSecond, long aloneNanos) {
        return Math.max(aloneNanos, (long) (onTheirWay / perSecond * 1e9));
    }

    @Test
    void onABusyMachineItSettlesWhereAFewWaitInLineNotWhereEveryoneDoes() {
        DrainWindow w = new DrainWindow(DrainWindow.SERVER);
        for (int i = 0; i < 5_000; i++) w.moved(busyMachine(w.size(), 7_000, MS));

        // 7,000/s x 1 ms = 7 moving without waiting; 3 to 9 more in line.
        assertThat(w.size()).isBetween(10, 16);
        double pause = busyMachine(w.size(), 7_000, MS) / (double) MS;
        assertThat(pause).as("ms a move takes there (64 on their way: 9.1 ms)").isLessThan(2.5);
    }

    @Test
    void aLongTailOfSlowMovesIsNotTakenForALine() {
        // Every 8th move takes ten times as long (a collection, a compile): the median does not move.
        DrainWindow w = new DrainWindow(DrainWindow.SERVER);
        for (int i = 0; i < 5_000; i++) {
            long t = busyMachine(w.size(), 7_000, MS);
            w.moved(i % 8 == 7 ? 10 * t : t);
        }
        assertThat(w.size()).as("as without the tail").isBetween(10, 16);
    }

    @Test
    void whereMovesAreSlowButNothingWaitsItGrowsToItsBound() {
        DrainWindow w = new DrainWindow(DrainWindow.SERVER);
        for (int i = 0; i < 1_000; i++)
            w.moved(5 * MS); // a network between the pods: every move 5 ms whatever the load

        assertThat(w.size()).isEqualTo(DrainWindow.SERVER.max());
    }

    @Test
    void itStartsSmallAndDoublesUntilALineShows() {
        DrainWindow w = new DrainWindow(DrainWindow.SERVER);
        assertThat(w.size()).isEqualTo(8);
        for (int i = 0; i < 8; i++) w.moved(MS);
        assertThat(w.size()).isEqualTo(16);
        for (int i = 0; i < 16; i++) w.moved(MS);
        assertThat(w.size()).isEqualTo(32);
    }

    @Test
    void whenTheMachineGetsBusyItBacksOffToAboutBetaAndStaysThereWhileMovesStaySlow() {
        DrainWindow w = new DrainWindow(DrainWindow.SERVER);
        for (int i = 0; i < 200; i++) w.moved(MS);
        assertThat(w.size()).isEqualTo(64);
        for (int i = 0; i < 5_000; i++) w.moved(busyMachine(w.size(), 500, MS)); // another tenant took the CPUs

        int busy = w.size();
        assertThat(busy)
                .as("at most beta in line, and 500/s x 1 ms is not one")
                .isBetween(DrainWindow.SERVER.min(), 10);
        for (int i = 0; i < 5_000; i++) w.moved(100 * MS); // every move now slow and no faster with fewer
        // Measured against the fast moves of before, uniformly slow moves read as a line of nearly the whole
        // window, which is within beta at this size: it neither grows back nor shrinks further.
        assertThat(w.size()).as("holds where the busy machine left it").isEqualTo(busy);
    }

    @Test
    void splitOverWorkersKeepsTheSumOfTheirBounds() {
        DrainWindow.Bounds half = DrainWindow.SERVER.splitOver(2);
        assertThat(half).isEqualTo(new DrainWindow.Bounds(2, 4, 32, 1.5, 4.5));
        assertThat(DrainWindow.SERVER.splitOver(1)).isEqualTo(DrainWindow.SERVER);
        assertThat(DrainWindow.SERVER.splitOver(100).min()).isEqualTo(1);
    }

    @Test
    void boundsThatCannotHoldAreRefused() {
        assertThatThrownBy(() -> new DrainWindow.Bounds(0, 8, 64, 2, 6)).hasMessageContaining("min");
        assertThatThrownBy(() -> new DrainWindow.Bounds(4, 2, 64, 2, 6)).hasMessageContaining("initial");
        assertThatThrownBy(() -> new DrainWindow.Bounds(4, 8, 64, 6, 2)).hasMessageContaining("alpha");
        assertThatThrownBy(() -> DrainWindow.SERVER.splitOver(0)).hasMessageContaining("parts");
    }
}
