package dev.ferry.bench;

import dev.ferry.server.DrainWindow;
import java.util.concurrent.locks.LockSupport;

/**
 * How the reconnect baseline decides which session goes when, so it can follow the same
 * concurrency policy as a Ferry drain: as many sessions on their way at a time as the server
 * drain's {@link DrainWindow} allows, its bounds split over {@code windowParts} workers that each
 * adapt their share to the moves they time (0: no window, everyone at once); and at most
 * {@code perSecond} sessions decided a second (0: unpaced). Like the server's drain, it never decides
 * faster than its rate, and a session counts against the window until its move is over.
 */
record ReconnectPolicy(int windowParts, double perSecond) {
    ReconnectPolicy {
        if (windowParts < 0)
            throw new IllegalArgumentException("window parts must be 0 (no window) or more, was " + windowParts);
        if (perSecond < 0) throw new IllegalArgumentException("rate must be 0 (unpaced) or more, was " + perSecond);
    }

    /** Everyone at once: what a plain restart does. */
    static final ReconnectPolicy ALL_AT_ONCE = new ReconnectPolicy(0, 0);

    /** The server drain's window policy, split over {@code workers}, at {@code perSecond} (0: unpaced). */
    static ReconnectPolicy sameAsDrain(int workers, double perSecond) {
        return new ReconnectPolicy(workers, perSecond);
    }

    boolean allAtOnce() {
        return windowParts == 0 && perSecond == 0;
    }

    /** One worker's places on the way under this policy. */
    Slots slots() {
        if (windowParts == 0) return NO_WINDOW;
        return new AdaptiveSlots(new DrainWindow(DrainWindow.SERVER.splitOver(windowParts)));
    }

    /**
     * Waits until session number {@code i} may go and takes its place in {@code slots}; returns
     * when it was decided. All at once, every session is decided at {@code originNanos}: the
     * moment the server would have told them all.
     */
    long admit(int i, long originNanos, Slots slots) throws InterruptedException {
        if (perSecond > 0) {
            long due = originNanos + (long) (i * 1e9 / perSecond);
            for (long wait; (wait = due - System.nanoTime()) > 0; ) LockSupport.parkNanos(wait);
        }
        slots.acquire();
        return allAtOnce() ? originNanos : System.nanoTime();
    }

    /** Places for sessions on their way. */
    interface Slots {
        void acquire() throws InterruptedException;

        /** A session moved, {@code moveNanos} after it was decided: its place is free. */
        void moved(long moveNanos);

        /**
         * A session's move failed: its place is free, and it says nothing of how long moves take (the
         * server's drain, too, learns only from moves that ended by moving).
         */
        void failed();
    }

    private static final Slots NO_WINDOW = new Slots() {
        @Override
        public void acquire() {}

        @Override
        public void moved(long moveNanos) {}

        @Override
        public void failed() {}
    };

    /** A {@link DrainWindow}'s places: a move's end frees one, and a move that moved tells the window how long it took. */
    static final class AdaptiveSlots implements Slots {
        private final DrainWindow window;
        private int taken;

        AdaptiveSlots(DrainWindow window) {
            this.window = window;
        }

        @Override
        public synchronized void acquire() throws InterruptedException {
            while (taken >= window.size()) wait();
            taken++;
        }

        @Override
        public synchronized void moved(long moveNanos) {
            window.moved(moveNanos);
            free();
        }

        @Override
        public synchronized void failed() {
            free();
        }

        private void free() {
            taken--;
            notifyAll();
        }

        /** Places taken now. */
        synchronized int taken() {
            return taken;
        }

        synchronized int size() {
            return window.size();
        }
    }
}
