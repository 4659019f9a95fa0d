package dev.ferry.client;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The results of one submitted command, as they arrive. The event loop appends rows; the caller
 * takes them with {@link #hasNext()}/{@link #next()} (which park the calling thread) or waits for
 * the end with {@link #await()}.
 *
 * <p>Rows arrive exactly once each and in {@code seq} order, also across migrations. After
 * {@link #cancel()}, rows the server sent before it saw the ATTENTION are still delivered; the
 * stream then ends with {@link #cancelled()} true. Rows are buffered without limit until taken.
 *
 * <p>Blocking calls wait at most until {@link ClientOptions#commandTimeout()} after submission;
 * then they send ATTENTION and throw {@link CommandTimeoutException}.
 */
public final class ResultStream implements Iterator<Row> {
    /** Hands a cancel to the session ({@link FerrySession#cancel}); a seam so the engine's parts can be tested alone. */
    private final Consumer<ResultStream> canceller;

    private final int requestId;
    private final String command;
    private final long deadlineNanos;
    private final Duration timeout;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Row> rows = new ArrayDeque<>();
    private final List<ServerMessage> messages = new ArrayList<>();
    private boolean done;
    private long rowCount;
    private boolean cancelled;
    private boolean error;
    private FerryException failure;
    private volatile boolean cancelRequested;
    /** Run once when the stream ends, outside the lock (on the event loop, or at once if it has ended). */
    private final List<Runnable> onEnd = new ArrayList<>(1);

    ResultStream(Consumer<ResultStream> canceller, int requestId, String command, Duration timeout) {
        this.canceller = canceller;
        this.requestId = requestId;
        this.command = command;
        this.timeout = timeout;
        this.deadlineNanos = System.nanoTime() + timeout.toNanos();
    }

    public int requestId() {
        return requestId;
    }

    public String command() {
        return command;
    }

    /** Whether the command has ended (final DONE, cancellation or failure). Does not block. */
    public boolean isDone() {
        lock.lock();
        try {
            return done;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the command ended cancelled. Meaningful once {@link #isDone()}. */
    public boolean cancelled() {
        lock.lock();
        try {
            return cancelled;
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@link #cancel()} was called. */
    public boolean cancelRequested() {
        return cancelRequested;
    }

    /**
     * Cancels the command: sends ATTENTION now, or marks it so the resume after a migration carries
     * it. Returns at once; the stream ends when the server's DONE(ATTENTION) arrives. A command
     * that has already ended is not affected.
     */
    public void cancel() {
        if (cancelRequested) return;
        cancelRequested = true;
        canceller.accept(this);
    }

    /** Blocks until a row is available (true) or the command ended (false). */
    @Override
    public boolean hasNext() {
        lock.lock();
        try {
            waitUntil(() -> !rows.isEmpty() || done);
            if (!rows.isEmpty()) return true;
            if (failure != null && !(failure instanceof CommandFailedException)) throw Failures.forCaller(failure);
            return false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Row next() {
        lock.lock();
        try {
            if (!hasNext())
                throw new NoSuchElementException(
                        "request " + Integer.toUnsignedString(requestId) + " has no more rows");
            return rows.poll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Blocks until the command ends and returns the rows not taken yet.
     *
     * @throws CommandFailedException if the server reported the command failed
     * @throws FerryException         if the session failed (lost, expired, refused) or timed out
     */
    public Result await() {
        Result r = awaitOutcome();
        lock.lock();
        try {
            if (failure instanceof CommandFailedException) throw Failures.forCaller(failure);
        } finally {
            lock.unlock();
        }
        return r;
    }

    /**
     * Like {@link #await()}, but a command the server reported failed returns a {@link Result}
     * with {@code error() == true} instead of throwing.
     */
    public Result awaitOutcome() {
        lock.lock();
        try {
            waitUntil(() -> done);
            if (failure != null && !(failure instanceof CommandFailedException)) throw Failures.forCaller(failure);
            List<Row> rest = new ArrayList<>(rows);
            rows.clear();
            return new Result(rest, messages, rowCount, cancelled, error);
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until the command ends, within the command timeout like {@link #await()}, but takes nothing from the stream. */
    void awaitEnd() {
        lock.lock();
        try {
            waitUntil(() -> done);
        } finally {
            lock.unlock();
        }
    }

    private void waitUntil(java.util.function.BooleanSupplier condition) {
        boolean timedOut = false;
        try {
            while (!condition.getAsBoolean()) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    timedOut = true;
                    break;
                }
                changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FerryException("interrupted while waiting for request " + Integer.toUnsignedString(requestId), e);
        }
        if (timedOut) {
            lock.unlock();
            try {
                cancel();
            } finally {
                lock.lock();
            }
            throw new CommandTimeoutException(
                    "command '" + command + "' (request " + Integer.toUnsignedString(requestId)
                            + ") got no final DONE within " + timeout + "; ATTENTION sent");
        }
    }

    // ---- fed by the session's event loop ----

    void addRow(Row row) {
        lock.lock();
        try {
            if (done) return;
            rows.add(row);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void addMessage(ServerMessage message) {
        lock.lock();
        try {
            if (done) return;
            messages.add(message);
        } finally {
            lock.unlock();
        }
    }

    List<ServerMessage> messagesSoFar() {
        lock.lock();
        try {
            return List.copyOf(messages);
        } finally {
            lock.unlock();
        }
    }

    /** Ends the stream. {@code failure} is null for success and for cancellation. */
    void finish(long rowCount, boolean cancelled, boolean error, FerryException failure) {
        List<Runnable> toRun;
        lock.lock();
        try {
            if (done) return;
            this.done = true;
            this.rowCount = rowCount;
            this.cancelled = cancelled;
            this.error = error;
            this.failure = failure;
            changed.signalAll();
            toRun = List.copyOf(onEnd);
            onEnd.clear();
        } finally {
            lock.unlock();
        }
        toRun.forEach(Runnable::run);
    }

    /**
     * Runs {@code action} once the stream has ended: on the thread that ends it (the session's
     * event loop, so it must not block), or at once on this thread if it has ended already.
     */
    void whenEnded(Runnable action) {
        lock.lock();
        try {
            if (!done) {
                onEnd.add(action);
                return;
            }
        } finally {
            lock.unlock();
        }
        action.run();
    }

    @Override
    public String toString() {
        return "ResultStream[request=" + Integer.toUnsignedString(requestId) + ", command=" + command + "]";
    }
}
