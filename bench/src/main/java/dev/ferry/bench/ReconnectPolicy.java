package dev.ferry.bench;

import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;

/**
 * How the reconnect baseline decides which session goes when, so it can follow the same
 * concurrency policy as a Ferry drain: at most {@code window} sessions on their way at a time
 * (0: no limit, everyone at once) and at most {@code perSecond} sessions decided a second
 * (0: unpaced). Like the server's drain, it never decides faster than its rate, and a session
 * counts against the window until its move is over.
 */
record ReconnectPolicy(int window, double perSecond) {
    ReconnectPolicy {
        if (window < 0) throw new IllegalArgumentException("window must be 0 (none) or more, was " + window);
        if (perSecond < 0) throw new IllegalArgumentException("rate must be 0 (unpaced) or more, was " + perSecond);
    }

    boolean allAtOnce() {
        return window == 0 && perSecond == 0;
    }

    /**
     * Waits until session number {@code i} may go and takes its place in {@code slots}; returns
     * when it was decided. All at once, every session is decided at {@code originNanos}: the
     * moment the server would have told them all.
     */
    long admit(int i, long originNanos, Semaphore slots) throws InterruptedException {
        if (perSecond > 0) {
            long due = originNanos + (long) (i * 1e9 / perSecond);
            for (long wait; (wait = due - System.nanoTime()) > 0; ) LockSupport.parkNanos(wait);
        }
        slots.acquire();
        return allAtOnce() ? originNanos : System.nanoTime();
    }
}
