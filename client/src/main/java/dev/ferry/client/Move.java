package dev.ferry.client;

import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

/** One migration the session is carrying out: the paths to try and what happened on each. Event-loop state. */
final class Move {
    int migrationId;
    int inBatchRequestId;
    long deadlineMillis;
    /** The MIGRATE targets in order, then the service address. */
    List<String> paths;
    /** When the client read the (first) MIGRATE; the pause ends at WELCOME(resumed). */
    final long startNanos;
    /** One line per failed attempt, for the error message if every path fails. */
    final List<String> tried = new ArrayList<>();

    int nextPath;
    int pass;
    Channel attempt;
    String attemptAddress;
    /** When the current attempt's connection opened; the RESUME goes out then. */
    long attemptConnectedNanos;

    ScheduledFuture<?> timer;
    /** A target said ALREADY_CLAIMED (retried; decides the error if every path fails). */
    boolean claimedElsewhere;
    /** A target said the source took the session back (MIGRATION_CANCELLED). */
    boolean cancelledBySource;
    /** Every pass failed while the source was open: wait for MIGRATE_CANCEL, or retry once when the source closes. */
    boolean exhausted;
    /**
     * Not a migration: the connection dropped with none under way, and the session is resumed from
     * a write-through save ({@link ClientOptions#resumeOnConnectionLoss()}). The message for the
     * user if that fails.
     */
    String afterLoss;
    /** When a server first answered CLAIM_PENDING in this move (0: never), and how many times since. */
    long claimPendingSinceNanos;

    int claimPendingRetries;

    /**
     * The address that answered CLAIM_PENDING, to ask again before any other path: kept by name, because a
     * newer MIGRATE may replace the path list while the answer is on its way.
     */
    String askAgain;

    Move(int migrationId, int inBatchRequestId, long deadlineMillis, List<String> paths, long startNanos) {
        this.migrationId = migrationId;
        this.inBatchRequestId = inBatchRequestId;
        this.deadlineMillis = deadlineMillis;
        this.paths = List.copyOf(paths);
        this.startNanos = startNanos;
    }

    /**
     * A newer MIGRATE replaced this one: the same exported context, new targets. The attempt under
     * way, if any, is kept: its RESUME may already have claimed the session, and dropping it then
     * would strand the session on a target the client never heard back from. The new paths are
     * used from the next attempt on, starting over with the first.
     */
    void retarget(int newMigrationId, int newInBatchRequestId, long newDeadlineMillis, List<String> newPaths) {
        migrationId = newMigrationId;
        inBatchRequestId = newInBatchRequestId;
        deadlineMillis = newDeadlineMillis;
        paths = List.copyOf(newPaths);
        nextPath = 0;
        pass = 0;
        exhausted = false;
        cancelledBySource = false;
        claimPendingSinceNanos = 0;
        claimPendingRetries = 0;
    }

    void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** Drops the attempt in progress, if any, so its late events are ignored. */
    void dropAttempt() {
        cancelTimer();
        Channel a = attempt;
        attempt = null;
        if (a != null) a.close();
    }

    String triedSummary() {
        return tried.isEmpty() ? "nothing was tried" : String.join("; ", tried);
    }
}
