package dev.ferry.server;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work a new server does before it reports ready, so the sessions that arrive first (a rolling upgrade's drain)
 * do not pay for class loading, the interpreter and JIT compilation on the same cores. The work itself is the
 * application's ({@link Iteration}): it should go through the paths real sessions use (the reference server
 * opens client sessions on loopback, runs commands and a STREAM and migrates them to itself through the context
 * store). It runs {@code iterations} times or until {@code atMost} has passed, whichever comes first.
 *
 * <p>Readiness: give it to {@link dev.ferry.server.admin.AdminOptions.Builder#readyAfter(WarmUp)} and
 * {@code GET /healthz/ready} answers 503 until {@link #run()} has returned. A warm-up whose iterations keep
 * failing stops early (after {@value #MAX_FAILURES_IN_A_ROW} failures in a row) and the server becomes ready
 * anyway: a cold server is better than none, and the readiness probe still checks the store.
 *
 * <p>Exported (after {@link #bindTo(MeterRegistry)}): {@code ferry_warmup_seconds} (how long it took; 0 for a
 * server without one) and {@code ferry_warmup_iterations} (how many completed). One log line at the end says the
 * same.
 */
public final class WarmUp {
    private static final Logger log = LoggerFactory.getLogger(WarmUp.class);

    /** Failures in a row after which the warm-up gives up (and the server becomes ready cold). */
    public static final int MAX_FAILURES_IN_A_ROW = 3;

    /** One unit of warm-up work; {@code index} counts from 0. Throwing counts as a failed iteration. */
    @FunctionalInterface
    public interface Iteration {
        void run(int index) throws Exception;
    }

    public enum State {
        /** Not started: readiness says not ready. */
        PENDING,
        RUNNING,
        /** Finished, stopped early or disabled: readiness no longer waits for it. */
        DONE
    }

    /** What a finished warm-up did. */
    public record Result(int completed, int failed, Duration took, String stoppedBecause) {}

    private final String name;
    private final int iterations;
    private final int concurrency;
    private final Duration atMost;
    private final Iteration iteration;
    private final LongSupplier nanoTime;
    private volatile State state;
    private volatile int completed;
    private volatile int failed;
    private volatile long tookNanos;

    private WarmUp(
            String name, int iterations, int concurrency, Duration atMost, Iteration iteration, LongSupplier nanoTime) {
        this.name = name;
        this.iterations = iterations;
        this.concurrency = concurrency;
        this.atMost = atMost;
        this.iteration = iteration;
        this.nanoTime = nanoTime;
        this.state = iterations == 0 ? State.DONE : State.PENDING;
    }

    /** No warm-up: ready at once. */
    public static WarmUp none(String serverName) {
        return new WarmUp(serverName, 0, 1, Duration.ZERO, index -> {}, System::nanoTime);
    }

    /**
     * @param serverName for the log line
     * @param iterations how many times to run {@code iteration}; 0 disables the warm-up
     * @param atMost     the warm-up stops after this long even if iterations are left (checked between them)
     */
    public static WarmUp of(String serverName, int iterations, Duration atMost, Iteration iteration) {
        return of(serverName, iterations, 1, atMost, iteration, System::nanoTime);
    }

    /**
     * As {@link #of(String, int, Duration, Iteration)}, with {@code concurrency} iterations running at a time (each
     * on its own thread; {@code iteration} must allow that). A warm-up made of round trips on a busy machine gets
     * more work done in its time this way.
     */
    public static WarmUp of(String serverName, int iterations, int concurrency, Duration atMost, Iteration iteration) {
        return of(serverName, iterations, concurrency, atMost, iteration, System::nanoTime);
    }

    static WarmUp of(
            String serverName,
            int iterations,
            int concurrency,
            Duration atMost,
            Iteration iteration,
            LongSupplier nanoTime) {
        if (iterations < 0) throw new IllegalArgumentException("iterations must be >= 0, was " + iterations);
        if (concurrency < 1) throw new IllegalArgumentException("concurrency must be >= 1, was " + concurrency);
        if (atMost == null || atMost.isNegative() || (iterations > 0 && atMost.isZero()))
            throw new IllegalArgumentException("atMost must be positive, was " + atMost);
        return new WarmUp(
                Objects.requireNonNull(serverName, "serverName"),
                iterations,
                concurrency,
                atMost,
                Objects.requireNonNull(iteration, "iteration"),
                nanoTime);
    }

    /** Registers {@code ferry_warmup_seconds} and {@code ferry_warmup_iterations}. */
    public WarmUp bindTo(MeterRegistry registry) {
        Gauge.builder("ferry_warmup_seconds", this, w -> w.tookNanos / 1e9)
                .description(
                        "how long this server's warm-up before readiness took (0 without one; grows while it runs)")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("ferry_warmup_iterations", this, w -> w.completed)
                .description("warm-up iterations this server completed before it reported ready")
                .register(registry);
        return this;
    }

    /**
     * Runs the warm-up: {@code concurrency} iterations at a time, the calling thread waiting for the last one (once;
     * later calls return at once with the first result).
     */
    public Result run() {
        synchronized (this) {
            if (iterations == 0) return result("there is no warm-up");
            if (state != State.PENDING) return result("it had already run");
            state = State.RUNNING;
        }
        long start = nanoTime.getAsLong();
        Progress progress = new Progress(start + atMost.toNanos());
        try {
            if (concurrency == 1) {
                runIterations(progress, start);
            } else {
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < concurrency; t++) {
                    threads.add(Thread.ofPlatform()
                            .name("ferry-warmup-" + t)
                            .daemon()
                            .start(() -> runIterations(progress, start)));
                }
                for (Thread t : threads) t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            progress.stop("it was interrupted");
        } finally {
            tookNanos = nanoTime.getAsLong() - start;
            state = State.DONE;
        }
        Result result = result(progress.stopped == null ? "all " + iterations + " iterations ran" : progress.stopped);
        if (completed == iterations) {
            log.info(
                    "{}: warm-up done in {} ms: {} iterations, {} at a time; ready for sessions",
                    name,
                    result.took().toMillis(),
                    completed,
                    concurrency);
        } else {
            log.warn(
                    "{}: warm-up stopped after {} ms because {}: {} of {} iterations completed, {} failed; ready anyway",
                    name,
                    result.took().toMillis(),
                    result.stoppedBecause(),
                    completed,
                    iterations,
                    failed);
        }
        return result;
    }

    /** Shared by the warm-up's threads: the next iteration, failures in a row, and why it stopped early. */
    private final class Progress {
        final long deadline;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger failuresInARow = new AtomicInteger();
        volatile String stopped;

        Progress(long deadline) {
            this.deadline = deadline;
        }

        synchronized void stop(String why) {
            if (stopped == null) stopped = why;
        }
    }

    private void runIterations(Progress p, long start) {
        while (p.stopped == null) {
            if (nanoTime.getAsLong() - p.deadline >= 0) {
                p.stop("its time (" + atMost.toSeconds() + " s) was up");
                return;
            }
            int i = p.next.getAndIncrement();
            if (i >= iterations) return;
            try {
                iteration.run(i);
                synchronized (this) {
                    completed++;
                }
                p.failuresInARow.set(0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.stop("it was interrupted");
                return;
            } catch (Exception e) {
                synchronized (this) {
                    failed++;
                }
                log.warn("{}: warm-up iteration {} failed: {}", name, i, e.toString());
                int inARow = p.failuresInARow.incrementAndGet();
                if (inARow >= MAX_FAILURES_IN_A_ROW) p.stop(inARow + " iterations in a row failed");
            }
            tookNanos = nanoTime.getAsLong() - start;
        }
    }

    private Result result(String why) {
        return new Result(completed, failed, Duration.ofNanos(Math.max(0, tookNanos)), why);
    }

    public State state() {
        return state;
    }

    public boolean isDone() {
        return state == State.DONE;
    }

    public int iterations() {
        return iterations;
    }

    public int completedIterations() {
        return completed;
    }
}
