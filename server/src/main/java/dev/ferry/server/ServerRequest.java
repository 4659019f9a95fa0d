package dev.ferry.server;

import dev.ferry.protocol.DoneFlags;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.Severity;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One request and the frames it may still send. Every frame of a request goes out under
 * {@link #lock}, and the phase decides whether it may: that is what keeps a row from slipping
 * out after the attention DONE when the command's thread and the attention race.
 */
final class ServerRequest implements Request {
    enum Phase {
        /** Accepted, waiting behind an earlier request. */
        QUEUED,
        RUNNING,
        /** Stopped at a checkpoint; the session's next export carries it. */
        SUSPENDED,
        /** Final DONE (or DEFERRED) sent; nothing more goes out for it. */
        FINISHED
    }

    private final ServerSession session;
    private final int id;
    private final String command;
    /** Declared non-blocking by the handler: it may run on the event loop, so it never waits. */
    private final boolean nonBlocking;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wakeUp = lock.newCondition();

    private Phase phase = Phase.QUEUED;
    private boolean cancelled;
    private long rowsSent;
    private byte[] cursor;

    ServerRequest(ServerSession session, int id, String command, long rowsSent, byte[] cursor, boolean nonBlocking) {
        this.session = session;
        this.nonBlocking = nonBlocking;
        this.id = id;
        this.command = command;
        this.rowsSent = rowsSent;
        this.cursor = cursor;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public String command() {
        return command;
    }

    @Override
    public byte[] cursor() {
        lock.lock();
        try {
            return cursor == null ? null : cursor.clone();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long rowsSent() {
        lock.lock();
        try {
            return rowsSent;
        } finally {
            lock.unlock();
        }
    }

    Phase phase() {
        lock.lock();
        try {
            return phase;
        } finally {
            lock.unlock();
        }
    }

    /** QUEUED → RUNNING. @return false if it ended while queued (attention) */
    boolean start() {
        lock.lock();
        try {
            if (phase != Phase.QUEUED && phase != Phase.SUSPENDED) return false;
            phase = Phase.RUNNING;
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean row(byte[] data) {
        // Wait for the socket outside the lock, so an attention is never stuck behind a slow reader. A
        // non-blocking command may run on the event loop, which alone could make the socket writable again.
        if (!nonBlocking) session.awaitWritable();
        lock.lock();
        try {
            if (phase != Phase.RUNNING) return false;
            if (!session.write(new Frame.Row(id, rowsSent, data))) {
                phase = Phase.FINISHED; // the connection is gone; nobody reads further rows
                return false;
            }
            rowsSent++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean row(String text) {
        return row(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void message(Severity severity, String text) {
        lock.lock();
        try {
            if (phase == Phase.RUNNING) session.write(new Frame.Message(id, severity, text));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean done() {
        if (!beforeFinalDone()) return false;
        return finish(DoneFlags.FINAL);
    }

    @Override
    public boolean fail(String errorText) {
        if (!beforeFinalDone()) return false;
        lock.lock();
        try {
            if (phase != Phase.RUNNING) return false;
            session.write(new Frame.Message(id, Severity.ERROR, errorText));
            return finish(DoneFlags.FINAL | DoneFlags.ERROR);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Write-through: the command's effects are saved before its DONE goes out (outside the lock, so an
     * ATTENTION meanwhile is not held up). False when the session was taken over by another server.
     */
    private boolean beforeFinalDone() {
        lock.lock();
        try {
            if (phase != Phase.RUNNING) return true; // finish() decides; nothing to save for it
        } finally {
            lock.unlock();
        }
        return session.saveThrough();
    }

    private boolean finish(int flags) {
        lock.lock();
        try {
            if (phase != Phase.RUNNING) return false;
            phase = Phase.FINISHED;
            session.write(new Frame.Done(id, flags, rowsSent));
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The client's ATTENTION: answers it with the one attention DONE if the request is still ours. */
    boolean attention() {
        lock.lock();
        try {
            if (phase != Phase.QUEUED && phase != Phase.RUNNING) return false;
            cancelled = true;
            phase = Phase.FINISHED;
            session.write(new Frame.Done(id, DoneFlags.FINAL | DoneFlags.ATTENTION, rowsSent));
            wakeUp.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Answers a request this server will not run because the session is migrating. */
    boolean defer() {
        lock.lock();
        try {
            if (phase != Phase.QUEUED) return false;
            phase = Phase.FINISHED;
            session.write(new Frame.Deferred(id));
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Gives up on a request whose connection is gone. */
    void abandon() {
        lock.lock();
        try {
            if (phase != Phase.SUSPENDED) phase = Phase.FINISHED;
            wakeUp.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isCancelled() {
        lock.lock();
        try {
            return cancelled;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean shouldYield() {
        return session.migrationWaiting();
    }

    @Override
    public boolean suspend(byte[] cursor) {
        lock.lock();
        try {
            if (phase != Phase.RUNNING) return false;
            phase = Phase.SUSPENDED;
            this.cursor = cursor == null ? new byte[0] : cursor.clone();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Wakes a {@link #pause} so the handler can look at the migration state. */
    void wake() {
        lock.lock();
        try {
            wakeUp.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean pause(Duration timeout) throws InterruptedException {
        if (nonBlocking)
            throw new IllegalStateException("pause() blocks, and the handler declared '" + command + "' non-blocking"
                    + " (SessionHandler.isNonBlocking), so it may run on the connection's I/O thread; declare it"
                    + " blocking to pause in it");
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (remaining > 0) {
                if (phase != Phase.RUNNING || cancelled || session.migrationWaiting()) return false;
                remaining = wakeUp.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    ContextCodec.InBatch toInBatch() {
        lock.lock();
        try {
            return new ContextCodec.InBatch(id, command, rowsSent, cursor);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "request " + id + " '" + (command.length() > 40 ? command.substring(0, 40) + "…" : command) + "'";
    }
}
