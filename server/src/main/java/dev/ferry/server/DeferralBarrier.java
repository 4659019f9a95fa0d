package dev.ferry.server;

import java.util.HashSet;
import java.util.Set;

/**
 * Keeps a pipelined session's commands in order around a migration that is called off
 * (docs/protocol.md, "Pipelining across a migration"). From the export on, the source defers every
 * COMMAND, in arrival order, and remembers which ids it deferred. After MIGRATE_CANCEL the client
 * re-sends those; a COMMAND written before the client read the cancel may still arrive first, and
 * running it would put it ahead of the earlier, deferred request. So the barrier stays up until a
 * COMMAND carrying a deferred id arrives: the client writes that only after it has read
 * MIGRATE_CANCEL, so everything behind it on the connection is in the client's order again. If the
 * source deferred nothing by the time the cancel is taken in arrival order, nothing can be out of
 * order and the barrier drops there.
 *
 * <p>Guarded by its {@link ServerSession}'s lock; consulted on the session's executor, which takes
 * commands in arrival order.
 */
final class DeferralBarrier {
    private boolean up;
    /** Created at the first deferral: every session has a barrier, few ever defer (one set per idle session adds up). */
    private Set<Integer> deferred;

    /** The context was exported: defer everything from here on. A barrier already up keeps what it deferred. */
    void raise() {
        up = true;
    }

    boolean isUp() {
        return up;
    }

    /**
     * Whether a command the session would otherwise run may run now. A deferred id coming back
     * lowers the barrier: it is the client's re-send after MIGRATE_CANCEL.
     */
    boolean admits(int requestId) {
        if (!up) return true;
        if (deferred == null || !deferred.contains(requestId)) return false;
        lower();
        return true;
    }

    /** The source answered DEFERRED to {@code requestId}; the client will send it again. */
    void deferred(int requestId) {
        if (!up) return;
        if (deferred == null) deferred = new HashSet<>();
        deferred.add(requestId);
    }

    /** MIGRATE_CANCEL went out and every command that arrived before it has been deferred or run. */
    void cancelled() {
        if (deferred == null || deferred.isEmpty()) up = false;
    }

    private void lower() {
        up = false;
        deferred = null;
    }
}
