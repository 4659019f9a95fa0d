package dev.ferry.client.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.MiniServerAccess;
import dev.ferry.protocol.SessionId;
import dev.ferry.testkit.Waits;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LoadRunTest {

    @ParameterizedTest(name = "readAhead={0}, deadlineMillis={1}")
    @CsvSource({"true, 0", "true, 60000", "false, 0", "false, 60000"})
    void sessionsKeepTheirStateThroughTwoMigrations(boolean readAhead, long deadlineMillis) throws Exception {
        Map<SessionId, Map<String, String>> store = new ConcurrentHashMap<>();
        int n = 20;
        try (MiniServerAccess a = MiniServerAccess.start("a", store);
                MiniServerAccess b = MiniServerAccess.start("b", store);
                var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            LoadRun run = new LoadRun(LoadRun.Options.defaults(a.address())
                    .withSessions(n)
                    .withDuration(Duration.ofSeconds(60))
                    .withReadAhead(readAhead)
                    .withSleepMillis(2)
                    .withStream(5, 0)
                    .withCommandTimeout(Duration.ofSeconds(10)));
            CompletableFuture<LoadRun.Result> result = CompletableFuture.supplyAsync(run::run, executor);

            await().atMost(Waits.STATE).until(() -> a.sessions() == n && run.commandsOk() > 200);
            a.migrateAll(b.address(), deadlineMillis);
            await().atMost(Waits.STATE).until(() -> b.sessions() == n && a.sessions() == 0);
            long okAfterFirst = run.commandsOk();
            await().atMost(Waits.STATE).until(() -> run.commandsOk() > okAfterFirst + 200);
            b.migrateAll(a.address(), deadlineMillis);
            await().atMost(Waits.STATE).until(() -> a.sessions() == n && b.sessions() == 0);
            long okAfterSecond = run.commandsOk();
            await().atMost(Waits.STATE).until(() -> run.commandsOk() > okAfterSecond + 200);
            run.stop();

            LoadRun.Result r = result.get(20, TimeUnit.SECONDS);
            assertThat(r.violationSamples()).isEmpty();
            assertThat(r.errors()).isEmpty();
            assertThat(r.clean()).isTrue();
            assertThat(r.migrations()).isEqualTo(2L * n);
            assertThat(r.commandsOk()).isGreaterThan(600);
            assertThat(r.latencyMaxMillis()).isPositive();
            assertThat(r.toJson()).contains("\"migrations\":" + (2 * n)).contains("\"commandsFailed\":0");
            assertThat(r.toText()).contains("migrations " + (2 * n));
        }
    }

    @Test
    void mixSpecIsParsed() {
        assertThat(LoadRun.Options.parseMix("ping=2, incr=4,stream"))
                .containsEntry(LoadRun.Op.PING, 2)
                .containsEntry(LoadRun.Op.INCR, 4)
                .containsEntry(LoadRun.Op.STREAM, 1)
                .hasSize(3);
    }

    @Test
    void durationsAreParsed() {
        var c = new LoadGenerator.DurationConverter();
        assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(c.convert("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.convert("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.convert("PT2S")).isEqualTo(Duration.ofSeconds(2));
    }
}
