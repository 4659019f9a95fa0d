package dev.ferry.reference;

import dev.ferry.client.FerrySession;
import dev.ferry.client.FerryException;
import dev.ferry.client.SessionExpiredException;
import dev.ferry.server.MigrationTimers;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The four rows of the timer table, for a read-ahead and a non-read-ahead client, with the
 * timers shortened to fractions of a second. Waits are on events (the source closing, the
 * context leaving Redis), never on the clock.
 */
@ExtendWith(RedisServerExtension.class)
class TimersTest {
    private static final Duration I = Duration.ofMillis(700);
    private static final Duration S = Duration.ofSeconds(3);
    static RedisServer redis;
    private TestFleet fleet;

    @AfterEach
    void stop() {
        if (fleet != null) fleet.close();
    }

    private FerrySession connect(MigrationTimers timers, boolean readAhead) {
        fleet = new TestFleet(redis, 2, timers);
        FerrySession s = fleet.client(0, readAhead).connect();
        s.execute("SET k v");
        return s;
    }

    private void migrate() {
        assertThat(fleet.server(0).migrate(1, List.of(fleet.address(1)))).isEqualTo(1);
    }

    private boolean contextInStore(FerrySession s) {
        return !Long.valueOf(0).equals(redis.command("EXISTS", "ferry:session:{" + s.sessionId() + "}"));
    }

    private void assertMovedWithState(FerrySession s) {
        assertThat(s.execute("GET k").firstText()).isEqualTo("v");
        assertThat(s.serverName()).isEqualTo("pod-1");
        assertThat(s.migrations()).isEqualTo(1);
    }

    // Row 1: 60 / 600 -------------------------------------------------------------------------

    @ParameterizedTest(name = "readAhead={0}")
    @ValueSource(booleans = {true, false})
    void bothTimersSet_clientMovesOnItsOwnOrAtItsNextCommand(boolean readAhead) {
        FerrySession s = connect(new MigrationTimers(I, S), readAhead);
        migrate();
        if (readAhead) await().until(() -> s.migrations() == 1);
        assertMovedWithState(s);
    }

    @ParameterizedTest(name = "readAhead={0}")
    @ValueSource(booleans = {true, false})
    void bothTimersSet_afterTheIdleMigrationTimerTheSourceClosesAndTheClientStillResumes(boolean readAhead) {
        if (readAhead) {
            // The source keeps the connection for 30 s; Awaitility gives up after 10 s, so a move
            // seen here was the client's own, well within the idle migration timer.
            FerrySession s = connect(new MigrationTimers(Duration.ofSeconds(30), S), true);
            migrate();
            await().until(() -> s.migrations() == 1);
            assertThat(fleet.server(0).metrics().migrationsCompleted()).isEqualTo(1);
            assertMovedWithState(s);
            return;
        }
        FerrySession s = connect(new MigrationTimers(I, S), false);
        {
            migrate();
            await().until(() -> fleet.server(0).sessionCount() == 0); // closed at I
            assertThat(contextInStore(s)).isTrue();
            assertThat(fleet.server(0).metrics().migrationsHandedOff()).isEqualTo(1);
            assertThat(fleet.server(0).metrics().migrationsCompleted()).isZero();
        }
        assertMovedWithState(s);
    }

    @org.junit.jupiter.api.Test
    void bothTimersSet_afterTheSessionIdleTimerTheClientGetsSessionExpired() {
        FerrySession s = connect(new MigrationTimers(I, S), false);
        migrate();
        await().until(() -> fleet.server(0).sessionCount() == 0);
        await().atMost(S.plusSeconds(10)).until(() -> !contextInStore(s));
        assertThatThrownBy(() -> s.execute("GET k"))
                .isInstanceOf(SessionExpiredException.class)
                .hasMessageContaining("expired");
    }

    // Row 2: 0 / 600 --------------------------------------------------------------------------

    @ParameterizedTest(name = "readAhead={0}")
    @ValueSource(booleans = {true, false})
    void idleMigrationZero_sourceClosesAtOnceAndTheNextCommandResumes(boolean readAhead) {
        FerrySession s = connect(new MigrationTimers(Duration.ZERO, S), readAhead);
        migrate();
        await().until(() -> fleet.server(0).sessionCount() == 0);
        if (readAhead) await().until(() -> s.migrations() == 1);
        assertMovedWithState(s);
    }

    // Row 3: 60 / 0 ---------------------------------------------------------------------------

    @ParameterizedTest(name = "readAhead={0}")
    @ValueSource(booleans = {true, false})
    void sessionIdleZero_clientThatMovesWithinTheIdleMigrationTimerKeepsItsSession(boolean readAhead) {
        FerrySession s = connect(new MigrationTimers(Duration.ofSeconds(30), Duration.ZERO), readAhead);
        migrate();
        assertMovedWithState(s);
    }

    @org.junit.jupiter.api.Test
    void sessionIdleZero_clientThatDoesNotMoveWithinTheIdleMigrationTimerLosesItsSession() {
        FerrySession s = connect(new MigrationTimers(I, Duration.ZERO), false);
        migrate();
        await().until(() -> fleet.server(0).sessionCount() == 0);
        assertThat(contextInStore(s)).isFalse();
        assertThatThrownBy(() -> s.execute("GET k"))
                .isInstanceOf(SessionExpiredException.class)
                .hasMessageContaining("expired");
        assertThat(fleet.server(0).metrics().migrationsFailed()).isEqualTo(1);
    }

    // Row 4: 0 / 0 ----------------------------------------------------------------------------

    @ParameterizedTest(name = "readAhead={0}")
    @ValueSource(booleans = {true, false})
    void bothZero_migrationIsDisabledAndADrainClosesConnections(boolean readAhead) {
        FerrySession s = connect(new MigrationTimers(Duration.ZERO, Duration.ZERO), readAhead);
        fleet.server(0).drain(List.of(fleet.address(1)), 0);
        await().until(() -> fleet.server(0).sessionCount() == 0);
        assertThat(contextInStore(s)).isFalse();
        assertThatThrownBy(() -> s.execute("GET k")).isInstanceOf(FerryException.class)
                .isNotInstanceOf(SessionExpiredException.class);
        assertThat(s.migrations()).isZero();
        assertThat(fleet.server(1).sessionCount()).isZero();
    }
}
