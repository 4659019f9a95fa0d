package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.client.Result;
import dev.ferry.client.ResultStream;
import dev.ferry.client.Row;
import dev.ferry.server.MigrationTimers;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The session rules of docs/protocol.md through the real client, three reference servers on loopback
 * and a real redis-server. Frame-exact checks of the same rules live in the server module's wire tests.
 */
@ExtendWith(RedisServerExtension.class)
class InvariantsTest {
    static RedisServer redis;
    private TestFleet fleet;

    @BeforeEach
    void fleet() {
        fleet = new TestFleet(redis, 3, MigrationTimers.ofSeconds(30, 60));
    }

    @AfterEach
    void stop() {
        fleet.close();
    }

    @Test
    void idleSessionMovesOnItsOwnAndKeepsItsVariables() {
        FerryClient client = fleet.client(0, true);
        try (FerrySession s = client.connect()) {
            s.execute("SET colour blue");
            s.execute("INCR n");
            assertThat(s.serverName()).isEqualTo("pod-0");

            fleet.server(0).drain(List.of(fleet.address(1), fleet.address(2)), 0);

            // Read-ahead: the client moves without being asked to run anything.
            await().atMost(Duration.ofSeconds(10)).until(() -> s.migrations() == 1);
            await().atMost(Waits.STATE).until(() -> fleet.server(0).sessionCount() == 0);
            assertThat(s.serverName()).isIn("pod-1", "pod-2");
            assertThat(s.execute("GET colour").firstText()).isEqualTo("blue");
            assertThat(s.execute("INCR n").firstText()).isEqualTo("2");
            assertThat(s.execute("WHOAMI").firstText()).startsWith("pod=" + s.serverName());
        }
    }

    @Test
    void streamInterruptedByMigrationArrivesWholeInOrderWithoutDuplicates() {
        FerryClient client = fleet.client(0, true);
        try (FerrySession s = client.connect()) {
            ResultStream stream = s.submit("STREAM 3000 1");
            List<Long> seen = new ArrayList<>();
            while (seen.size() < 50 && stream.hasNext())
                seen.add(Long.parseLong(stream.next().text()));

            fleet.server(0).migrate(1, List.of(fleet.address(1)));

            while (stream.hasNext()) {
                Row row = stream.next();
                assertThat(row.seq()).isEqualTo(seen.size());
                seen.add(Long.parseLong(row.text()));
            }
            Result result = stream.await();
            assertThat(result.rowCount()).isEqualTo(3000);
            assertThat(seen)
                    .containsExactlyElementsOf(LongStream.range(0, 3000).boxed().toList());
            assertThat(s.migrations()).isEqualTo(1);
            assertThat(s.serverName()).isEqualTo("pod-1");
            assertThat(client.metrics().duplicateRows()).isZero();
            assertThat(client.metrics().seqGaps()).isZero();
        }
    }

    @Test
    void attentionBeforeMigrationEndsTheRequestOnceAndTheSessionMovesOn() {
        FerryClient client = fleet.client(0, true);
        try (FerrySession s = client.connect()) {
            ResultStream sleep = s.submit("SLEEP 60000");
            sleep.cancel();
            Result r = sleep.await();
            assertThat(r.cancelled()).isTrue();
            assertThat(r.rows()).isEmpty();

            fleet.server(0).migrate(1, List.of(fleet.address(1)));
            await().atMost(Waits.STATE).until(() -> s.migrations() == 1);
            assertThat(s.execute("PING").firstText()).isEqualTo("PONG");
        }
    }

    @Test
    void attentionDuringInBatchMigrationIsAnsweredOnceByTheTarget() {
        FerryClient client = fleet.client(0, true);
        try (FerrySession s = client.connect()) {
            ResultStream stream = s.submit("STREAM 1000000 2");
            stream.next();
            fleet.server(0).migrate(1, List.of(fleet.address(1)));
            stream.cancel();
            Result r = stream.await();
            assertThat(r.cancelled()).isTrue();
            long rows = r.rowCount();
            await().atMost(Waits.STATE)
                    .until(() -> s.migrations() == 1 || fleet.server(0).sessionCount() == 1);
            // Whatever server answered the attention, the session is whole and nothing of the
            // cancelled request follows: the next command's answer is its own.
            assertThat(s.execute("ECHO after").firstText()).isEqualTo("after");
            assertThat(rows).isLessThan(1_000_000);
        }
    }

    @Test
    void commandRacingTheSourcesCloseRunsOnceOnTheTarget() {
        fleet.close();
        // Idle migration timer 0: the source exports, sends MIGRATE and closes at once.
        fleet = new TestFleet(redis, 2, MigrationTimers.ofSeconds(0, 60));
        FerryClient client = fleet.client(0, false);
        try (FerrySession s = client.connect()) {
            assertThat(s.execute("INCR hits").firstText()).isEqualTo("1");
            fleet.server(0).migrate(1, List.of(fleet.address(1)));
            await().atMost(Waits.STATE).until(() -> fleet.server(0).sessionCount() == 0);

            // The non-read-ahead client writes INCR to a connection the source has closed; the
            // source never ran it, the client re-sends it on the target: it runs exactly once.
            assertThat(s.execute("INCR hits").firstText()).isEqualTo("2");
            assertThat(s.serverName()).isEqualTo("pod-1");
            assertThat(s.execute("GET hits").firstText()).isEqualTo("2");
        }
    }
}
