package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One session's tasks: in order, one at a time, held across a store call, run here when idle. */
class SerialExecutorTest {
    /** The shared executor, run by hand: what it was given waits until the test runs it. */
    private final ArrayDeque<Runnable> delegated = new ArrayDeque<>();

    private final Executor delegate = delegated::add;
    private final AtomicInteger failures = new AtomicInteger();
    private final SerialExecutor executor = new SerialExecutor(delegate, failures::incrementAndGet);
    private final List<String> ran = new ArrayList<>();

    private void runDelegated() {
        for (Runnable r; (r = delegated.poll()) != null; ) r.run();
    }

    @Test
    void runsTasksInSubmissionOrderOnOneDrain() {
        executor.execute(() -> ran.add("a"));
        executor.execute(() -> ran.add("b"));
        executor.execute(() -> ran.add("c"));

        assertThat(delegated).as("one drain for the three").hasSize(1);
        runDelegated();
        assertThat(ran).containsExactly("a", "b", "c");
    }

    @Test
    void aTaskThatThrowsIsCountedAndTheNextStillRuns() {
        executor.execute(() -> {
            throw new IllegalStateException("bug");
        });
        executor.execute(() -> ran.add("after"));
        runDelegated();

        assertThat(failures).hasValue(1);
        assertThat(ran).containsExactly("after");
    }

    @Test
    void executeHereRunsOnTheCallingThreadWhenTheSessionIsIdle() {
        Thread caller = Thread.currentThread();
        Thread[] ranOn = new Thread[1];
        executor.executeHere(() -> ranOn[0] = Thread.currentThread());

        assertThat(ranOn[0]).isSameAs(caller);
        assertThat(delegated).isEmpty();
        executor.execute(() -> ran.add("next"));
        assertThat(delegated).as("given up again after the task").hasSize(1);
    }

    @Test
    void executeHereQueuesBehindWhatIsAlreadyWaiting() {
        executor.execute(() -> ran.add("queued first"));
        executor.executeHere(() -> ran.add("here"));

        assertThat(ran).as("nothing overtakes the queued task").isEmpty();
        runDelegated();
        assertThat(ran).containsExactly("queued first", "here");
    }

    @Test
    void aHeldExecutorRunsNothingUntilTheStageCompletes() {
        CompletableFuture<Void> store = new CompletableFuture<>();
        executor.execute(() -> {
            ran.add("export");
            executor.holdUntil(store);
        });
        executor.execute(() -> ran.add("command"));
        runDelegated();
        assertThat(ran).containsExactly("export");

        executor.executeHere(() -> ran.add("here"));
        assertThat(ran).as("not even a task that could run here").containsExactly("export");
        assertThat(delegated).isEmpty();

        store.complete(null);
        assertThat(ran)
                .as("the rest goes to the delegate, not the completing thread")
                .containsExactly("export");
        runDelegated();
        assertThat(ran).containsExactly("export", "command", "here");
    }

    @Test
    void aHoldThatFailsReleasesTheExecutorToo() {
        CompletableFuture<Void> store = new CompletableFuture<>();
        executor.executeHere(() -> executor.holdUntil(store));
        store.completeExceptionally(new IllegalStateException("store down"));

        assertThat(delegated).as("nothing was waiting: no drain").isEmpty();
        executor.executeHere(() -> ran.add("here"));
        assertThat(ran).as("idle again").containsExactly("here");
    }

    @Test
    void aHoldAlreadyCompletedDoesNotStopTheDrain() {
        executor.execute(() -> {
            ran.add("export");
            executor.holdUntil(CompletableFuture.completedFuture(null));
        });
        executor.execute(() -> ran.add("command"));
        runDelegated();

        assertThat(ran).containsExactly("export", "command");
        assertThat(delegated).isEmpty();
    }

    @Test
    void aTaskQueuedWhileTheHoldCompletesIsNotStranded() throws Exception {
        // The completion and a new task race: whichever way it goes, the task runs exactly once.
        for (int round = 0; round < 2_000; round++) {
            AtomicInteger runs = new AtomicInteger();
            Executor direct = Runnable::run;
            SerialExecutor serial = new SerialExecutor(direct, failures::incrementAndGet);
            CompletableFuture<Void> store = new CompletableFuture<>();
            serial.executeHere(() -> serial.holdUntil(store));
            Thread completer = Thread.ofPlatform().start(() -> store.complete(null));
            serial.execute(runs::incrementAndGet);
            completer.join(10_000);
            assertThat(runs).hasValue(1);
        }
        assertThat(failures).hasValue(0);
    }

    // ---- executeOn: tasks that do not block, on the session's event loop

    /** The session's event loop, run by hand: its task queue, in order. */
    private final ArrayDeque<Runnable> loop = new ArrayDeque<>();

    private void runLoop() {
        for (Runnable r; (r = loop.poll()) != null; ) r.run();
    }

    @Test
    void executeOnRunsBehindWhatTheLoopAlreadyHasQueuedNeverOnTheCallingThread() {
        // A command ran on a thread of its own: its answer waits in the loop's queue when it gives the session up.
        executor.execute(() -> loop.add(() -> ran.add("answer of the blocking command")));
        runDelegated();
        executor.executeOn(loop::add, () -> ran.add("non-blocking command"));

        assertThat(ran)
                .as("not run on the calling thread, even with the session idle")
                .isEmpty();
        runLoop();
        assertThat(ran).containsExactly("answer of the blocking command", "non-blocking command");
    }

    @Test
    void nonBlockingTasksQueuedBehindRunInOneLoopTaskAndABlockingOneGoesToAThreadOfItsOwn() {
        executor.executeOn(loop::add, () -> ran.add("a"));
        executor.executeOn(loop::add, () -> ran.add("b"));
        executor.execute(() -> ran.add("blocking c"));
        executor.executeOn(loop::add, () -> ran.add("d"));

        assertThat(loop).as("one loop task for the session").hasSize(1);
        assertThat(delegated).isEmpty();
        runLoop();
        assertThat(ran).containsExactly("a", "b");
        assertThat(delegated).hasSize(1);
        runDelegated();
        assertThat(ran).containsExactly("a", "b", "blocking c", "d");
        assertThat(loop).isEmpty();
    }

    @Test
    void executeOnWhileATaskRunsElsewhereWaitsItsTurnThere() {
        executor.execute(() -> ran.add("running"));
        executor.executeOn(loop::add, () -> ran.add("non-blocking"));

        assertThat(loop).isEmpty();
        runDelegated();
        assertThat(ran).containsExactly("running", "non-blocking");
    }

    @Test
    void aHoldTakenOnTheLoopKeepsTheNextTaskWaitingUntilTheStageCompletes() {
        CompletableFuture<Void> store = new CompletableFuture<>();
        executor.executeOn(loop::add, () -> {
            ran.add("export");
            executor.holdUntil(store);
        });
        executor.executeOn(loop::add, () -> ran.add("next"));
        runLoop();
        assertThat(ran).containsExactly("export");

        store.complete(null);
        runDelegated();
        assertThat(ran).containsExactly("export", "next");
    }
}
