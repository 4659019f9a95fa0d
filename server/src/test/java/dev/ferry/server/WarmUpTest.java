package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The warm-up's own rules: iterations, the time bound, failures, running once. */
class WarmUpTest {

    @Test
    void stopsWhenItsTimeIsUpEvenWithIterationsLeft() {
        AtomicLong clock = new AtomicLong();
        AtomicInteger ran = new AtomicInteger();
        // Each iteration takes one second on this clock; five fit into the five seconds allowed.
        WarmUp warmUp = WarmUp.of(
                "t",
                100,
                1,
                Duration.ofSeconds(5),
                index -> {
                    ran.incrementAndGet();
                    clock.addAndGet(Duration.ofSeconds(1).toNanos());
                },
                clock::get);

        WarmUp.Result result = warmUp.run();

        assertThat(ran.get()).isEqualTo(5);
        assertThat(result.completed()).isEqualTo(5);
        assertThat(result.took()).isEqualTo(Duration.ofSeconds(5));
        assertThat(result.stoppedBecause()).contains("time (5 s) was up");
        assertThat(warmUp.isDone()).isTrue();
    }

    @Test
    void runsItsIterationsConcurrentlyWhenAsked() {
        // Each iteration waits at the barrier for three others: the warm-up completes only if four run at a time.
        CyclicBarrier fourAtATime = new CyclicBarrier(4);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        WarmUp warmUp = WarmUp.of("t", 8, 4, Duration.ofMinutes(1), index -> {
            threads.add(Thread.currentThread().getName());
            fourAtATime.await(30, TimeUnit.SECONDS);
        });

        WarmUp.Result result = warmUp.run();

        assertThat(result.completed()).isEqualTo(8);
        assertThat(result.failed()).isZero();
        assertThat(threads).hasSize(4);
        assertThatThrownBy(() -> WarmUp.of("t", 1, 0, Duration.ofSeconds(1), i -> {}))
                .hasMessageContaining("concurrency");
    }

    @Test
    void aFailureBetweenSuccessesDoesNotStopIt() {
        WarmUp warmUp = WarmUp.of("t", 6, Duration.ofMinutes(1), index -> {
            if (index % 2 == 1) throw new IllegalStateException("odd");
        });

        WarmUp.Result result = warmUp.run();

        assertThat(result.completed()).isEqualTo(3);
        assertThat(result.failed()).isEqualTo(3);
        assertThat(result.stoppedBecause()).isEqualTo("all 6 iterations ran");
    }

    @Test
    void runsOnce() {
        AtomicInteger ran = new AtomicInteger();
        WarmUp warmUp = WarmUp.of("t", 2, Duration.ofMinutes(1), index -> ran.incrementAndGet());

        warmUp.run();
        WarmUp.Result again = warmUp.run();

        assertThat(ran.get()).isEqualTo(2);
        assertThat(again.completed()).isEqualTo(2);
        assertThat(again.stoppedBecause()).isEqualTo("it had already run");
    }

    @Test
    void noneIsDoneAtOnceAndBadArgumentsAreRefused() {
        assertThat(WarmUp.none("t").isDone()).isTrue();
        assertThat(WarmUp.none("t").run().stoppedBecause()).isEqualTo("there is no warm-up");
        assertThat(WarmUp.of("t", 0, Duration.ofSeconds(1), i -> {}).state()).isEqualTo(WarmUp.State.DONE);
        assertThat(WarmUp.of("t", 1, Duration.ofSeconds(1), i -> {}).state()).isEqualTo(WarmUp.State.PENDING);
        assertThatThrownBy(() -> WarmUp.of("t", -1, Duration.ofSeconds(1), i -> {}))
                .hasMessageContaining("iterations");
        assertThatThrownBy(() -> WarmUp.of("t", 1, Duration.ZERO, i -> {})).hasMessageContaining("atMost");
    }
}
