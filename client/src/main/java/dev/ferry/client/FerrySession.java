package dev.ferry.client;

import dev.ferry.protocol.SessionId;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A live session. It follows migrations on its own: a command in flight while the session moves
 * completes normally, with each row exactly once and in order.
 *
 * <p><b>One command at a time.</b> {@link #submit(String)} while an earlier command is still
 * outstanding throws {@link IllegalStateException} — except when the earlier command was
 * cancelled: then {@code submit} waits for its DONE(ATTENTION) first. Thread-safe; blocking calls
 * park the calling thread (virtual threads welcome) and never hold a platform thread otherwise.
 *
 * <p>Once the session fails ({@link SessionLostException}, {@link SessionExpiredException},
 * {@link ResumeRefusedException}) every later call throws the same kind of exception.
 */
public final class FerrySession implements AutoCloseable {
    private final FerryClient client;
    private final SessionEngine engine;
    private final ClientOptions options;
    private final AtomicReference<ResultStream> outstanding = new AtomicReference<>();
    private final AtomicInteger lastRequestId = new AtomicInteger();

    FerrySession(FerryClient client, SessionEngine engine, ClientOptions options) {
        this.client = client;
        this.engine = engine;
        this.options = options;
    }

    public SessionId sessionId() {
        return engine.sessionId();
    }

    /** Name of the server holding the session now (from the latest WELCOME). */
    public String serverName() {
        return engine.serverName();
    }

    /** {@code host:port} of the connection the session uses now. */
    public String serverAddress() {
        return engine.serverAddress();
    }

    /** How many migrations this session completed. */
    public int migrations() {
        return engine.migrations();
    }

    /** False once the session failed or was closed. */
    public boolean isOpen() {
        return engine.failure() == null;
    }

    /** Called after each completed migration, on the event loop (must not block). Replaces an earlier listener. */
    public void onMigration(MigrationListener listener) {
        engine.listener(listener);
    }

    /**
     * Runs {@code command} and waits for its final DONE.
     *
     * @throws CommandFailedException if the server reports the command failed
     * @throws FerryException         if the session fails, is closed, or the command times out
     */
    public Result execute(String command) {
        return submit(command).await();
    }

    /** Sends {@code command} and returns at once; results arrive on the returned stream. */
    public ResultStream submit(String command) {
        Objects.requireNonNull(command, "command");
        throwIfUnusable();
        ResultStream prev = outstanding.get();
        if (prev != null && !prev.isDone()) {
            if (prev.cancelRequested()) {
                prev.awaitEndQuietly(options.commandTimeout().toNanos());
                if (!prev.isDone()) {
                    engine.abandonUnanswered(prev, options.commandTimeout());
                    prev.awaitEndQuietly(options.commandTimeout().toNanos());
                    throwIfUnusable();
                }
            }
            if (!prev.isDone()) {
                throw new IllegalStateException(
                        "request " + Integer.toUnsignedString(prev.requestId()) + " '" + prev.command()
                                + "' is still outstanding; a session runs one command at a time: await() or cancel() it first");
            }
        }
        int id = nextRequestId();
        ResultStream stream = new ResultStream(this::cancel, id, command, options.commandTimeout());
        if (!outstanding.compareAndSet(prev, stream)) {
            throw new IllegalStateException("another thread submitted a command on this session at the same time");
        }
        engine.submit(stream, id, command);
        return stream;
    }

    private int nextRequestId() {
        int id = lastRequestId.incrementAndGet();
        return id != 0 ? id : lastRequestId.incrementAndGet(); // 0 means "no request" on the wire
    }

    private void throwIfUnusable() {
        FerryException f = engine.failure();
        if (f != null) throw Failures.forCaller(f);
    }

    void cancel(ResultStream stream) {
        engine.cancel(stream);
    }

    /** Sends GOODBYE(CLOSE) (the server deletes the session's context) and closes the connection. */
    @Override
    public void close() {
        try {
            engine.closeAsync().get(options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // The close is best effort: the connection is closed either way, the GOODBYE may be lost.
        } finally {
            client.forget(this);
        }
    }

    java.util.concurrent.CompletableFuture<Void> closeAsync() {
        return engine.closeAsync();
    }

    @Override
    public String toString() {
        return "FerrySession[" + sessionId() + " on " + serverName() + " (" + serverAddress() + "), migrations="
                + migrations() + "]";
    }
}
