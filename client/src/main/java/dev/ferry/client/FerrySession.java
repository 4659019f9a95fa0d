package dev.ferry.client;

import dev.ferry.protocol.SessionId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A live session. It follows migrations on its own: commands in flight while the session moves
 * complete normally, each exactly once, with each row exactly once and in order.
 *
 * <p><b>Pipelining.</b> A session may have many commands outstanding: {@link #submit(String)},
 * {@link #executeAsync(String)} and {@link #executeAll(List)} write each command at once, without
 * waiting for earlier ones to end. The server runs them one at a time in submission order, so their
 * effects and results are in that order, also across migrations. At most
 * {@link ClientOptions#maxOutstanding()} commands are outstanding; a submit beyond that waits for
 * an earlier one to end (at most {@link ClientOptions#commandTimeout()}, then
 * {@link CommandTimeoutException}). Thread-safe; commands submitted from several threads run in the
 * order their submits returned. Blocking calls park the calling thread (virtual threads welcome)
 * and never hold a platform thread otherwise.
 *
 * <p>Once the session fails ({@link SessionLostException}, {@link SessionExpiredException},
 * {@link ResumeRefusedException}) every later call throws the same kind of exception.
 */
public final class FerrySession implements AutoCloseable {
    private final FerryClient client;
    private final SessionEngine engine;

    /** The session's engine, for tests in this package that need to see event-loop state. */
    SessionEngine engine() {
        return engine;
    }

    private final ClientOptions options;
    /** One permit per command that may still be outstanding. */
    private final Semaphore room;
    /** Makes a request id and its hand-over to the event loop one step, so ids increase in request order. */
    private final ReentrantLock submitting = new ReentrantLock();
    /** Guarded by {@link #submitting}. */
    private int lastRequestId;

    FerrySession(FerryClient client, SessionEngine engine, ClientOptions options) {
        this.client = client;
        this.engine = engine;
        this.options = options;
        this.room = new Semaphore(options.maxOutstanding());
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

    /**
     * Sends {@code command} and returns at once; results arrive on the returned stream. Commands
     * submitted earlier may still be outstanding; this one runs after them. Blocks only while
     * {@link ClientOptions#maxOutstanding()} commands are outstanding.
     *
     * @throws CommandTimeoutException if no earlier command ended within the command timeout to make room
     * @throws FerryException          if the session has failed or is closed
     */
    public ResultStream submit(String command) {
        Objects.requireNonNull(command, "command");
        throwIfUnusable();
        awaitRoom(command);
        ResultStream stream;
        submitting.lock();
        try {
            int id = nextRequestId();
            stream = new ResultStream(this::cancel, id, command, options.commandTimeout());
            stream.whenEnded(room::release);
            engine.submit(stream, id, command);
        } finally {
            submitting.unlock();
        }
        return stream;
    }

    /**
     * Sends {@code command} and returns a future of its result, completed when the final DONE
     * arrives; exceptionally with {@link CommandFailedException} if the server reports the command
     * failed, or with a {@link FerryException} if the session fails. The future completes on the
     * session's event loop: chain blocking work with an {@code *Async} stage on your own executor.
     * Blocks like {@link #submit(String)} while the session is full.
     */
    public CompletableFuture<Result> executeAsync(String command) {
        ResultStream stream = submit(command);
        CompletableFuture<Result> result = new CompletableFuture<>();
        stream.whenEnded(() -> {
            try {
                result.complete(stream.await());
            } catch (FerryException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /**
     * Runs {@code commands} pipelined and waits for all of them; results in the same order. A
     * command the server reports failed gives a {@link Result} with {@code error() == true} (its
     * messages say why) and does not stop the others, which the server runs regardless. Blocks
     * while the session is full, so a list longer than {@link ClientOptions#maxOutstanding()} is
     * sent as earlier commands end.
     *
     * @throws FerryException if the session fails, is closed, or a command times out
     */
    public List<Result> executeAll(List<String> commands) {
        List<ResultStream> streams = submitAll(commands);
        if (streams.isEmpty()) return List.of();
        // They end in order, so waiting for the last first parks this thread once, not once per command.
        streams.getLast().awaitEnd();
        List<Result> results = new ArrayList<>(streams.size());
        for (ResultStream s : streams) results.add(s.awaitOutcome());
        return results;
    }

    /**
     * {@link #executeAll(List)} without waiting for the results: the future completes, on the
     * session's event loop, once the last command has ended (exceptionally if the session failed).
     * The calling thread still blocks while the session is full.
     */
    public CompletableFuture<List<Result>> executeAllAsync(List<String> commands) {
        List<ResultStream> streams = submitAll(commands);
        CompletableFuture<List<Result>> all = new CompletableFuture<>();
        if (streams.isEmpty()) {
            all.complete(List.of());
            return all;
        }
        // A counter rather than waiting for each in turn: a cancelled request may end before earlier ones.
        AtomicInteger left = new AtomicInteger(streams.size());
        Runnable oneEnded = () -> {
            if (left.decrementAndGet() != 0) return;
            try {
                List<Result> results = new ArrayList<>(streams.size());
                for (ResultStream s : streams) results.add(s.awaitOutcome());
                all.complete(results);
            } catch (FerryException e) {
                all.completeExceptionally(e);
            }
        };
        for (ResultStream s : streams) s.whenEnded(oneEnded);
        return all;
    }

    /**
     * Submits {@code commands} in order, handing them to the event loop together (one task, one
     * flush) as far as {@link ClientOptions#maxOutstanding()} leaves room, then waiting for room
     * for the rest.
     */
    private List<ResultStream> submitAll(List<String> commands) {
        commands.forEach(c -> Objects.requireNonNull(c, "a command in the list is null"));
        List<ResultStream> streams = new ArrayList<>(commands.size());
        int next = 0;
        while (next < commands.size()) {
            throwIfUnusable();
            awaitRoom(commands.get(next));
            int n = 1;
            while (next + n < commands.size() && room.tryAcquire()) n++;
            List<Request> batch = new ArrayList<>(n);
            submitting.lock();
            try {
                for (String command : commands.subList(next, next + n)) {
                    int id = nextRequestId();
                    ResultStream stream = new ResultStream(this::cancel, id, command, options.commandTimeout());
                    stream.whenEnded(room::release);
                    batch.add(new Request(stream, id, command));
                    streams.add(stream);
                }
                engine.submitAll(batch);
            } finally {
                submitting.unlock();
            }
            next += n;
        }
        return streams;
    }

    private void awaitRoom(String command) {
        try {
            if (room.tryAcquire()) return;
            if (!room.tryAcquire(options.commandTimeout().toNanos(), TimeUnit.NANOSECONDS)) {
                throw new CommandTimeoutException("command '" + command + "' was not sent: the session had "
                        + options.maxOutstanding() + " commands outstanding (maxOutstanding) for the whole command"
                        + " timeout of " + options.commandTimeout());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FerryException("interrupted while waiting to submit '" + command + "'", e);
        }
    }

    private int nextRequestId() {
        int id = ++lastRequestId;
        return id != 0 ? id : ++lastRequestId; // 0 means "no request" on the wire
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

    CompletableFuture<Void> closeAsync() {
        return engine.closeAsync();
    }

    @Override
    public String toString() {
        return "FerrySession[" + sessionId() + " on " + serverName() + " (" + serverAddress() + "), migrations="
                + migrations() + "]";
    }
}
