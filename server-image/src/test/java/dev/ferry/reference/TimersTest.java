package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.FerryException;
import dev.ferry.client.FerrySession;
import dev.ferry.client.SessionExpiredException;
import dev.ferry.server.MigrationState;
import dev.ferry.server.MigrationTimers;
import dev.ferry.server.Session;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The four rows of the timer table, for a read-ahead and a non-read-ahead client, with the
 * timers shortened to fractions of a second. Waits are on events (the source exporting, the
 * source closing, the context leaving Redis), never on the clock.
 *
 * <p>{@code migrate()} returns once the request is taken, not once the context is exported: the
 * export waits for the session's next migration point (the previous command may still be finishing
 * on the source), and a command that reaches the source before the export legitimately runs there.
 * So a case whose next command must run on the target first waits until the source has exported
 * and told the client ({@link #awaitMigrateSent}).
 */
@ExtendWith(RedisServerExtension.class)
class TimersTest {
    private static final Duration I = Duration.ofMillis(700);
    private static final Duration S = Duration.ofSeconds(3);
    /**
     * An idle migration timer no wait of this test reaches ({@link #WAIT} is shorter): a move seen
     * is one made within it, the client's own or at its next command, never the source's hand-off.
     */
    private static final Duration STAYS = Duration.ofSeconds(30);
    /** The most any wait here takes, sized for a loaded 2-core machine. */
    private static final Duration WAIT = Duration.ofSeconds(20);

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

    /** The session's migration state on the source, or null once the source no longer has it. */
    private MigrationState sourceState(FerrySession s) {
        return fleet.server(0)
                .session(s.sessionId())
                .map(Session::migrationState)
                .orElse(null);
    }

    /**
     * Waits until the source has exported the context and sent MIGRATE, so the next command is the
     * one that must move. A read-ahead client reads MIGRATE at once and moves on its own; a lazy
     * client leaves it in its socket until its next command, so the source shows READY until then
     * (for as long as the idle migration timer, which must be {@link #STAYS} here).
     */
    private void awaitMigrateSent(FerrySession s, boolean readAhead) {
        if (readAhead) {
            await().atMost(WAIT).until(() -> s.migrations() == 1);
        } else {
            assertThat(fleet.server(0).timers().idleMigration()).isGreaterThan(WAIT);
            await().atMost(WAIT).until(() -> sourceState(s) == MigrationState.READY);
            assertThat(s.migrations())
                    .as("a lazy client moves only at its next command")
                    .isZero();
        }
    }

    /**
     * Returns once the source's store connection has carried out every command the source sent
     * before (Redis answers one connection's commands in order): the source deletes a context
     * without waiting for the answer, then closes the connection.
     */
    private void sourceStoreCaughtUp() throws Exception {
        fleet.server(0).contextStore().ping().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private boolean contextInStore(FerrySession s) {
        return !Long.valueOf(0).equals(redis.command("EXISTS", "ferry:session:{" + s.sessionId() + "}"));
    }

    /** The TTL Redis holds for the session's record, in milliseconds (negative: no record). */
    private long contextTtlMillis(FerrySession s) {
        return (Long) redis.command("PTTL", "ferry:session:{" + s.sessionId() + "}");
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
        FerrySession s = connect(new MigrationTimers(STAYS, S), readAhead);
        migrate();
        awaitMigrateSent(s, readAhead);
        if (!readAhead) {
            // Exported, not resumed yet: the record lives what is left of I (from the request) plus S, never more.
            assertThat(contextTtlMillis(s))
                    .isBetween(S.toMillis() + 1, STAYS.plus(S).toMillis());
        }
        assertMovedWithState(s);
        // The source saw the client go (GOODBYE(MOVED) or its close) within the idle migration timer.
        await().atMost(WAIT).until(() -> fleet.server(0).metrics().migrationsCompleted() == 1);
        assertThat(fleet.server(0).metrics().migrationsHandedOff()).isZero();
    }

    /**
     * Only a lazy client lets the idle migration timer run out: it leaves MIGRATE unread until its
     * next command, so the source hands the session off (closes) at I and the context waits in the
     * store for the session idle timer. A read-ahead client reads MIGRATE at once and moves on its
     * own well within the timer, so the source never hands it off: that is
     * {@code bothTimersSet_clientMovesOnItsOwnOrAtItsNextCommand[readAhead=true]} (no hand-off counted).
     */
    @org.junit.jupiter.api.Test
    void bothTimersSet_afterTheIdleMigrationTimerTheSourceClosesAndTheLazyClientStillResumes() throws Exception {
        FerrySession s = connect(new MigrationTimers(I, S), false);
        migrate();
        await().atMost(WAIT).until(() -> fleet.server(0).sessionCount() == 0); // closed at I
        sourceStoreCaughtUp();
        assertThat(contextInStore(s)).isTrue();
        // Closing at I cut the record's TTL to S: the context is gone I + S after the request at the latest.
        assertThat(contextTtlMillis(s)).isBetween(1L, S.toMillis());
        assertThat(fleet.server(0).metrics().migrationsHandedOff()).isEqualTo(1);
        assertThat(fleet.server(0).metrics().migrationsCompleted()).isZero();
        assertMovedWithState(s);
    }

    @org.junit.jupiter.api.Test
    void bothTimersSet_afterTheSessionIdleTimerTheClientGetsSessionExpired() {
        FerrySession s = connect(new MigrationTimers(I, S), false);
        migrate();
        await().atMost(WAIT).until(() -> fleet.server(0).sessionCount() == 0);
        await().atMost(S.plus(WAIT)).until(() -> !contextInStore(s));
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
        // Closed at once, right after the export and MIGRATE: the next command can only go to the target.
        await().atMost(WAIT).until(() -> fleet.server(0).sessionCount() == 0);
        if (!readAhead) {
            // I = 0: the export's TTL is S itself, not S plus a margin.
            assertThat(contextTtlMillis(s)).isBetween(1L, S.toMillis());
        }
        if (readAhead) await().atMost(WAIT).until(() -> s.migrations() == 1);
        assertMovedWithState(s);
    }

    // Row 3: 60 / 0 ---------------------------------------------------------------------------

    @ParameterizedTest(name = "readAhead={0}")
    @ValueSource(booleans = {true, false})
    void sessionIdleZero_clientThatMovesWithinTheIdleMigrationTimerKeepsItsSession(boolean readAhead) {
        FerrySession s = connect(new MigrationTimers(STAYS, Duration.ZERO), readAhead);
        migrate();
        awaitMigrateSent(s, readAhead);
        assertMovedWithState(s);
    }

    @org.junit.jupiter.api.Test
    void sessionIdleZero_clientThatDoesNotMoveWithinTheIdleMigrationTimerLosesItsSession() throws Exception {
        FerrySession s = connect(new MigrationTimers(I, Duration.ZERO), false);
        migrate();
        await().atMost(WAIT).until(() -> fleet.server(0).sessionCount() == 0);
        sourceStoreCaughtUp();
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
        await().atMost(WAIT).until(() -> fleet.server(0).sessionCount() == 0);
        assertThat(contextInStore(s)).isFalse();
        assertThatThrownBy(() -> s.execute("GET k"))
                .isInstanceOf(FerryException.class)
                .isNotInstanceOf(SessionExpiredException.class);
        assertThat(s.migrations()).isZero();
        assertThat(fleet.server(1).sessionCount()).isZero();
    }
}
