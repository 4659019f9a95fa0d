package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.testkit.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MigrationTest extends ClientTestBase {

    /** A session open on server "a", with "b" ready as a target. */
    private final class Pair {
        final FakeServer a = server("a");
        final FakeServer b = server("b");
        final FerryClient client;
        final FerrySession session;
        final FakeConnection source;

        Pair(boolean readAhead) {
            client = client(a, readAhead);
            session = client.connect();
            source = a.awaitConnection();
            source.expect(Frame.Hello.class);
        }
    }

    @Test
    void readAheadSessionMovesWhileIdle() {
        Pair p = new Pair(true);
        List<MigrationEvent> events = new CopyOnWriteArrayList<>();
        p.session.onMigration(events::add);

        p.source.send(migrate(7, 0, 60_000, p.b.address()));
        FakeConnection target = p.b.awaitConnection();
        Frame.Resume resume = target.expect(Frame.Resume.class);
        assertThat(resume.sessionId()).isEqualTo(p.session.sessionId());
        assertThat(resume.resumeToken()).isEqualTo(p.source.token);
        assertThat(resume.attentionRequestId()).isZero();
        target.welcomeResumed(resume);

        Frame.Goodbye bye = p.source.expect(Frame.Goodbye.class);
        assertThat(bye.reason()).isEqualTo(GoodbyeReason.MOVED);
        p.source.awaitClosed();
        await().atMost(Waits.STATE).until(() -> p.session.migrations() == 1);
        assertThat(p.session.serverName()).isEqualTo("b");
        assertThat(p.session.serverAddress()).isEqualTo(p.b.address());
        assertThat(p.client.metrics().migrationsCompleted()).isEqualTo(1);
        assertThat(p.client.metrics().snapshot().pauseCount()).isEqualTo(1);
        await().atMost(Waits.STATE).until(() -> events.size() == 1);
        assertThat(events.get(0).fromServer()).isEqualTo("a");
        assertThat(events.get(0).toServer()).isEqualTo("b");
        // The pause splits at the moment the connection to the target opened (the RESUME went out then).
        assertThat(events.get(0).connect())
                .isPositive()
                .isLessThanOrEqualTo(events.get(0).pause());
        assertThat(p.client.metrics().connectHistogramMicros().getTotalCount()).isEqualTo(1);

        ResultStream rs = p.session.submit("PING");
        Frame.Command cmd = target.expect(Frame.Command.class);
        target.send(row(cmd.requestId(), 0, "PONG"), done(cmd.requestId(), 1));
        assertThat(rs.await().firstText()).isEqualTo("PONG");
    }

    @Test
    void nonReadAheadSessionMovesAtItsNextCommandAndResendsItWithTheSameRequestId() throws Exception {
        Pair p = new Pair(false);
        p.source.send(migrate(7, 0, 60_000, p.b.address()));

        ResultStream rs = p.session.submit("INCR k");
        // The command reached the source: the client had not read the MIGRATE while idle (a client
        // that had would have moved and sent the command to the target only).
        Frame.Command first = p.source.expect(Frame.Command.class);
        p.source.send(new Frame.Deferred(first.requestId()));

        FakeConnection target = p.b.awaitConnection();
        target.welcomeResumed(target.expect(Frame.Resume.class));
        Frame.Command again = target.expect(Frame.Command.class);
        assertThat(again.requestId()).isEqualTo(first.requestId());
        assertThat(again.text()).isEqualTo("INCR k");
        target.send(row(again.requestId(), 0, "1"), done(again.requestId(), 1));

        assertThat(rs.await().firstText()).isEqualTo("1");
        assertThat(p.source.expect(Frame.Goodbye.class).reason()).isEqualTo(GoodbyeReason.MOVED);
        assertThat(p.session.migrations()).isEqualTo(1);
        assertThat(p.client.metrics().deferredResends()).isEqualTo(1);

        // Idle again on the target: a non-read-ahead session stops reading, and still works next time.
        ResultStream next = p.session.submit("PING");
        int id = target.expect(Frame.Command.class).requestId();
        target.send(done(id, 0));
        next.await();
    }

    @ParameterizedTest(name = "readAhead={0}")
    @ValueSource(booleans = {true, false})
    void sourceClosingRightAfterMigrateIsFollowed(boolean readAhead) {
        Pair p = new Pair(readAhead);
        p.source.sendAndClose(migrate(3, 0, 0, p.b.address()), goodbye(GoodbyeReason.MIGRATING));

        ResultStream rs = null;
        if (!readAhead) rs = p.session.submit("GET k"); // it sees the MIGRATE only now
        FakeConnection target = p.b.awaitConnection();
        target.welcomeResumed(target.expect(Frame.Resume.class));
        if (rs == null) {
            await().atMost(Waits.STATE).until(() -> p.session.migrations() == 1);
            rs = p.session.submit("GET k");
        }
        Frame.Command cmd = target.expect(Frame.Command.class);
        assertThat(cmd.text()).isEqualTo("GET k");
        target.send(row(cmd.requestId(), 0, "v"), done(cmd.requestId(), 1));
        assertThat(rs.await().firstText()).isEqualTo("v");
        assertThat(p.session.serverName()).isEqualTo("b");
    }

    @Test
    void inBatchRequestContinuesOnTheTargetWithEachRowOnce() {
        Pair p = new Pair(true);
        ResultStream rs = p.session.submit("STREAM 6");
        int id = p.source.expect(Frame.Command.class).requestId();
        p.source.send(row(id, 0, "0"), row(id, 1, "1"), row(id, 2, "2"), migrate(9, id, 60_000, p.b.address()));

        FakeConnection target = p.b.awaitConnection();
        Frame.Resume resume = target.expect(Frame.Resume.class);
        assertThat(resume.attentionRequestId()).isZero();
        target.welcomeResumed(resume);
        // seq 2 again (a duplicate the client must drop), then the rest.
        target.send(row(id, 2, "2"), row(id, 3, "3"), row(id, 4, "4"), row(id, 5, "5"), done(id, 6));

        List<String> seen = new ArrayList<>();
        rs.forEachRemaining(r -> seen.add(r.text()));
        assertThat(seen).containsExactly("0", "1", "2", "3", "4", "5");
        assertThat(rs.await().rowCount()).isEqualTo(6);
        assertThat(p.client.metrics().duplicateRows()).isEqualTo(1);
        assertThat(p.client.metrics().seqGaps()).isZero();
        assertNothingElseBeforeTheNextCommand(p.session, target, "the in-batch request was re-sent to the target");
    }

    @Test
    void aSeqGapIsDeliveredAndCounted() {
        Pair p = new Pair(true);
        ResultStream rs = p.session.submit("STREAM 3");
        int id = p.source.expect(Frame.Command.class).requestId();
        p.source.send(row(id, 0, "0"), row(id, 2, "2"), done(id, 3));
        Result r = rs.await();
        assertThat(r.rows()).extracting(Row::seq).containsExactly(0L, 2L);
        assertThat(p.client.metrics().seqGaps()).isEqualTo(1);
    }

    @Test
    void deferredCommandIsResentOnTheTarget() {
        Pair p = new Pair(true);
        ResultStream rs = p.session.submit("SET k v");
        int id = p.source.expect(Frame.Command.class).requestId();
        // The source exported the session just before the command arrived.
        p.source.send(migrate(4, 0, 60_000, p.b.address()), new Frame.Deferred(id));

        FakeConnection target = p.b.awaitConnection();
        target.welcomeResumed(target.expect(Frame.Resume.class));
        Frame.Command again = target.expect(Frame.Command.class);
        assertThat(again.requestId()).isEqualTo(id);
        target.send(done(id, 0));
        rs.await();
        assertThat(p.client.metrics().deferredResends()).isEqualTo(1);
    }

    @Test
    void commandSubmittedWhileMovingGoesToTheTarget() {
        Pair p = new Pair(true);
        p.source.send(migrate(4, 0, 60_000, p.b.address()));
        FakeConnection target = p.b.awaitConnection();
        Frame.Resume resume = target.expect(Frame.Resume.class);

        ResultStream rs = p.session.submit("PING"); // the move is not complete yet
        target.welcomeResumed(resume);
        int id = target.expect(Frame.Command.class).requestId();
        target.send(done(id, 0));
        rs.await();
        assertThat(p.source.expect(Frame.Goodbye.class).reason()).isEqualTo(GoodbyeReason.MOVED);
        // Once the client has closed the source connection, every frame it sent there has been received.
        assertThat(p.source.channel.closeFuture().awaitUninterruptibly(Waits.STATE.toMillis()))
                .as("source connection closed")
                .isTrue();
        assertThat(p.source.poll())
                .as("nothing was sent to the source after MIGRATE")
                .isNull();
        assertThat(p.client.metrics().deferredResends()).isZero();
    }

    @Test
    void unreachableTargetFallsBackToTheNextTarget() {
        Pair p = new Pair(true);
        FakeServer c = server("c");
        String dead = FakeServer.deadAddress();
        p.source.send(migrate(5, 0, 60_000, dead, p.b.address(), c.address()));

        // b is reachable but has no store: next.
        FakeConnection onB = p.b.awaitConnection();
        onB.expect(Frame.Resume.class);
        onB.sendAndClose(new Frame.Error(ErrorCode.STORE_UNAVAILABLE, 0, "redis down"));

        FakeConnection onC = c.awaitConnection();
        onC.welcomeResumed(onC.expect(Frame.Resume.class));
        await().atMost(Waits.STATE).until(() -> p.session.migrations() == 1);
        assertThat(p.session.serverName()).isEqualTo("c");
        assertThat(p.client.metrics().failedResumes()).isEqualTo(2);
    }

    @Test
    void everyTargetUnreachableFallsBackToTheServiceAddress() {
        Pair p = new Pair(true);
        p.source.sendAndClose(
                migrate(5, 0, 0, FakeServer.deadAddress(), FakeServer.deadAddress()), goodbye(GoodbyeReason.MIGRATING));

        // The service address is server a's listener: a new connection there carries the RESUME.
        FakeConnection viaService = p.a.awaitConnection();
        Frame.Resume resume = viaService.expect(Frame.Resume.class);
        assertThat(resume.sessionId()).isEqualTo(p.session.sessionId());
        viaService.welcomeResumed(resume);
        await().atMost(Waits.STATE).until(() -> p.session.migrations() == 1);
        assertThat(p.session.serverAddress()).isEqualTo(p.a.address());
    }

    @Test
    void targetThatNeverAnswersIsLeftAfterTheConnectTimeout() {
        FakeServer a = server("a");
        FakeServer silent = server("silent");
        FakeServer b = server("b");
        FerryClient client = client(ClientOptions.builder()
                .serviceAddress(a.address())
                .connectTimeout(Duration.ofMillis(300))
                .build());
        FerrySession session = client.connect();
        FakeConnection source = a.awaitConnection();
        source.send(migrate(5, 0, 60_000, silent.address(), b.address()));
        silent.awaitConnection().expect(Frame.Resume.class); // and no answer
        FakeConnection onB = b.awaitConnection();
        onB.welcomeResumed(onB.expect(Frame.Resume.class));
        await().atMost(Waits.STATE).until(() -> session.migrations() == 1);
        assertThat(session.serverName()).isEqualTo("b");
    }

    /**
     * A drain can re-target a session whose client is already resuming (the operator found better targets).
     * The RESUME under way may already have claimed the session on its target, so the client must hear that
     * target out: dropping it would leave the session claimed by a server the client never talks to again.
     */
    @Test
    void aSecondMigrateLetsTheResumeUnderWayFinish() throws Exception {
        Pair p = new Pair(true);
        FakeServer c = server("c");
        p.source.send(migrate(3, 0, 60_000, p.b.address()));
        FakeConnection onB = p.b.awaitConnection();
        Frame.Resume resume = onB.expect(Frame.Resume.class);

        p.source.send(migrate(18, 0, 60_000, c.address()));
        onB.welcomeResumed(resume); // b had claimed it: the answer comes after the second MIGRATE

        await().atMost(Waits.STATE).until(() -> p.session.migrations() == 1);
        assertThat(p.session.serverName()).isEqualTo("b");
        assertThat(p.source.expect(Frame.Goodbye.class).reason()).isEqualTo(GoodbyeReason.MOVED);
        // A round trip on b first: the move is over, any attempt at c would have been made by now.
        assertNothingElseBeforeTheNextCommand(p.session, onB, "b got something besides the session's next command");
        assertThat(c.pollConnection(0)).as("c is only tried if b fails").isNull();
    }

    @Test
    void aSecondMigrateTargetsAreTriedWhenTheResumeUnderWayFails() {
        Pair p = new Pair(true);
        FakeServer c = server("c");
        p.source.send(migrate(3, 0, 60_000, p.b.address()));
        FakeConnection onB = p.b.awaitConnection();
        onB.expect(Frame.Resume.class);

        p.source.send(migrate(18, 0, 60_000, c.address()));
        onB.sendAndClose(new Frame.Error(ErrorCode.NOT_SERVING, 0, "b is draining too"));

        FakeConnection onC = c.awaitConnection();
        onC.welcomeResumed(onC.expect(Frame.Resume.class));
        await().atMost(Waits.STATE).until(() -> p.session.migrations() == 1);
        assertThat(p.session.serverName()).isEqualTo("c");
        assertThat(p.client.metrics().migrationsCompleted()).isEqualTo(1);
    }

    @Test
    void theNewTokenIsUsedForTheNextMigration() {
        Pair p = new Pair(true);
        FakeServer c = server("c");
        p.source.send(migrate(1, 0, 60_000, p.b.address()));
        FakeConnection onB = p.b.awaitConnection();
        onB.welcomeResumed(onB.expect(Frame.Resume.class));
        await().atMost(Waits.STATE).until(() -> p.session.migrations() == 1);

        onB.send(migrate(2, 0, 60_000, c.address()));
        FakeConnection onC = c.awaitConnection();
        Frame.Resume second = onC.expect(Frame.Resume.class);
        assertThat(second.resumeToken()).isEqualTo(onB.token).isNotEqualTo(p.source.token);
        onC.welcomeResumed(second);
        await().atMost(Waits.STATE).until(() -> p.session.migrations() == 2);
        assertThat(p.session.serverName()).isEqualTo("c");
    }

    @Test
    void migrationCancelledWithTheSourceOpenStaysAndResendsDeferredAfterMigrateCancel() {
        Pair p = new Pair(true);
        ResultStream rs = p.session.submit("INCR k");
        int id = p.source.expect(Frame.Command.class).requestId();
        p.source.send(migrate(8, 0, 60_000, p.b.address()), new Frame.Deferred(id));

        FakeConnection onB = p.b.awaitConnection();
        onB.expect(Frame.Resume.class);
        onB.sendAndClose(new Frame.Error(ErrorCode.MIGRATION_CANCELLED, 0, "called off by a"));
        // The source took the session back.
        p.source.send(new Frame.MigrateCancel(8));
        Frame.Command again = p.source.expect(Frame.Command.class);
        assertThat(again.requestId()).isEqualTo(id);
        p.source.send(row(id, 0, "5"), done(id, 1));
        assertThat(rs.await().firstText()).isEqualTo("5");
        assertThat(p.session.migrations()).isZero();
        assertThat(p.session.serverName()).isEqualTo("a");
        assertThat(p.client.metrics().migrationsCancelled()).isEqualTo(1);
    }

    @Test
    void migrateCancelBeforeTheTargetAnswersStopsTheMove() {
        Pair p = new Pair(true);
        p.source.send(migrate(8, 0, 60_000, p.b.address()));
        FakeConnection onB = p.b.awaitConnection();
        onB.expect(Frame.Resume.class);
        p.source.send(new Frame.MigrateCancel(8));
        onB.awaitClosed(); // the client dropped its attempt

        ResultStream rs = p.session.submit("PING");
        int id = p.source.expect(Frame.Command.class).requestId();
        p.source.send(done(id, 0));
        rs.await();
        assertThat(p.session.migrations()).isZero();
    }

    @Test
    void manyIdleSessionsMoveTogether() {
        FakeServer a = server("a");
        FakeServer b = server("b");
        b.autoResume = true;
        FerryClient client = client(a, true);
        int n = 300;
        List<FerrySession> sessions = new ArrayList<>();
        List<FakeConnection> sources = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sessions.add(client.connect());
            sources.add(a.awaitConnection());
        }
        for (FakeConnection s : sources)
            s.sendAndClose(migrate(1, 0, 0, b.address()), goodbye(GoodbyeReason.MIGRATING));
        await().atMost(Waits.STATE).until(() -> client.metrics().migrationsCompleted() == n);
        assertThat(sessions).allSatisfy(s -> assertThat(s.serverName()).isEqualTo("b"));
        assertThat(client.metrics().snapshot().pauseMaxMillis()).isPositive();
    }
}
