package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.FerrySession;
import dev.ferry.server.MigrationState;
import dev.ferry.server.MigrationTimers;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.Waits;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The store is down when a migration is requested: it fails cleanly and the session stays put. */
class StoreDownTest {

    @Test
    void migrationFailsTheSessionKeepsWorkingOnTheSourceAndMetricsSaySo() {
        try (RedisServer redis = RedisServer.startDefault();
                TestFleet fleet = new TestFleet(redis, 2, MigrationTimers.ofSeconds(30, 60))) {
            FerrySession s = fleet.client(0, true).connect();
            s.execute("SET k before");
            redis.kill();

            fleet.server(0).migrate(1, List.of(fleet.address(1)));
            await().atMost(Waits.STATE).until(() -> fleet.server(0).metrics().migrationsFailed() == 1);

            assertThat(fleet.server(0).sessionCountsByState()).containsEntry(MigrationState.FAILED, 1L);
            assertThat(fleet.server(0).metrics().lastFailure()).contains("could not export the context");
            assertThat(fleet.server(0).scrapeMetrics())
                    .containsPattern("ferry_migrations_failed_total\\{.*reason=\"store_unavailable\".*} 1\\.0");
            assertThat(s.execute("GET k").firstText()).isEqualTo("before");
            s.execute("SET k after");
            assertThat(s.serverName()).isEqualTo("pod-0");
            assertThat(s.migrations()).isZero();

            // Once the store is back, the next request migrates the session with its state.
            redis.start();
            await().atMost(Waits.STATE).until(() -> {
                fleet.server(0).migrate(1, List.of(fleet.address(1)));
                return s.migrations() == 1;
            });
            assertThat(s.execute("GET k").firstText()).isEqualTo("after");
        }
    }
}
