package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.testkit.Waits;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FailureTest extends ClientTestBase {

    @Test
    void sessionExpiredOnResumeFailsTheCommandAndEveryLaterCall() {
        FakeServer a = server("a");
        FakeServer b = server("b");
        FerryClient client = client(a, false);
        FerrySession session = client.connect();
        FakeConnection source = a.awaitConnection();
        source.expect(Frame.Hello.class);
        // I > 0, S = 0: the source waited, then invalidated the migration and closed.
        source.sendAndClose(migrate(2, 0, 60_000, b.address()), goodbye(GoodbyeReason.MIGRATING));

        ResultStream rs = session.submit("GET k");
        FakeConnection onB = b.awaitConnection();
        onB.expect(Frame.Resume.class);
        onB.sendAndClose(new Frame.Error(ErrorCode.SESSION_EXPIRED, 0, "no context for this session"));

        assertThatThrownBy(rs::await)
                .isInstanceOf(SessionExpiredException.class)
                .hasMessageStartingWith("session expired")
                .hasMessageContaining("no context for this session")
                .hasMessageContaining("'GET k' was not run");
        assertThatThrownBy(() -> session.execute("PING"))
                .isInstanceOf(SessionExpiredException.class)
                .hasMessageStartingWith("session expired");
        assertThat(session.isOpen()).isFalse();
        assertThat(client.metrics().migrationsFailed()).isEqualTo(1);
    }

    @Test
    void badTokenIsRefused() {
        FakeServer a = server("a");
        FakeServer b = server("b");
        FerrySession session = client(a, true).connect();
        FakeConnection source = a.awaitConnection();
        source.send(migrate(2, 0, 60_000, b.address()));
        FakeConnection onB = b.awaitConnection();
        onB.expect(Frame.Resume.class);
        onB.sendAndClose(new Frame.Error(ErrorCode.BAD_TOKEN, 0, "token mismatch"));
        await().atMost(Waits.STATE).until(() -> !session.isOpen());
        assertThatThrownBy(() -> session.execute("PING"))
                .isInstanceOf(ResumeRefusedException.class)
                .hasMessageContaining("BAD_TOKEN")
                .satisfies(e -> assertThat(((ResumeRefusedException) e).code()).isEqualTo(ErrorCode.BAD_TOKEN));
    }

    @Test
    void alreadyClaimedOnEveryAttemptWithTheSourceGoneIsRefused() {
        FakeServer a = server("a");
        FakeServer b = server("b");
        FerrySession session = client(ClientOptions.builder()
                        .serviceAddress(a.address())
                        .resumeAttempts(2)
                        .resumeBackoff(java.time.Duration.ofMillis(10))
                        .build())
                .connect();
        FakeConnection source = a.awaitConnection();
        source.sendAndClose(migrate(2, 0, 0, b.address()), goodbye(GoodbyeReason.MIGRATING));
        // ALREADY_CLAIMED is retried: two passes over the target and the service address.
        for (FakeServer next : java.util.List.of(b, a, b, a)) {
            FakeConnection attempt = next.awaitConnection();
            attempt.expect(Frame.Resume.class);
            attempt.sendAndClose(new Frame.Error(ErrorCode.ALREADY_CLAIMED, 0, "claimed"));
        }
        await().atMost(Waits.STATE).until(() -> !session.isOpen());
        assertThatThrownBy(() -> session.execute("PING"))
                .isInstanceOf(ResumeRefusedException.class)
                .hasMessageContaining("ALREADY_CLAIMED");
    }

    @Test
    void claimPendingIsAskedAgainAtTheSameAddressUntilTheTargetTakesTheSessionOver() {
        FakeServer a = server("a");
        FakeServer b = server("b");
        FerryClient client = client(ClientOptions.builder()
                .serviceAddress(a.address())
                .resumeAttempts(1)
                .resumeBackoff(Duration.ofMillis(10))
                .build());
        FerrySession session = client.connect();
        FakeConnection source = a.awaitConnection();
        b.autoResume = false;
        source.sendAndClose(migrate(2, 0, 0, b.address()), goodbye(GoodbyeReason.MIGRATING));
        // One pass only (resumeAttempts 1), yet the target is asked three times: CLAIM_PENDING is not a failed path.
        for (int i = 0; i < 2; i++) {
            FakeConnection attempt = b.awaitConnection();
            attempt.expect(Frame.Resume.class);
            attempt.sendAndClose(new Frame.Error(ErrorCode.CLAIM_PENDING, 0, "being resumed by c; try again in 40 ms"));
        }
        FakeConnection taken = b.awaitConnection();
        taken.welcomeResumed(taken.expect(Frame.Resume.class));

        await().atMost(Waits.STATE).until(() -> "b".equals(session.serverName()));
        assertThat(session.isOpen()).isTrue();
        assertThat(client.metrics().migrationsFailed()).isZero();
        assertThat(client.metrics().failedResumes()).isZero();
    }

    /**
     * A newer MIGRATE replaces the path list while a RESUME is on its way; that RESUME's target then answers
     * CLAIM_PENDING. The client asks that same target again (it holds the claim), not a path of the new list, and
     * the move does not stall on a path index the new list does not have.
     */
    @Test
    void claimPendingAfterANewerMigrateAsksTheSameTargetAgain() throws Exception {
        FakeServer a = server("a");
        FakeServer b = server("b");
        FakeServer c = server("c");
        FerryClient client = client(ClientOptions.builder()
                .serviceAddress(a.address())
                .resumeBackoff(Duration.ofMillis(10))
                .build());
        FerrySession session = client.connect();
        FakeConnection source = a.awaitConnection();
        b.autoResume = false;
        source.send(migrate(2, 0, 60_000, b.address()));
        FakeConnection first = b.awaitConnection();
        first.expect(Frame.Resume.class);
        source.send(migrate(3, 0, 60_000, c.address()));
        await().atMost(Waits.STATE)
                .until(() -> session.engine().movingMigrationId().get() == 3);
        first.sendAndClose(new Frame.Error(ErrorCode.CLAIM_PENDING, 0, "being resumed by b; try again in 40 ms"));

        FakeConnection again = b.awaitConnection();
        again.welcomeResumed(again.expect(Frame.Resume.class));
        await().atMost(Waits.STATE).until(() -> "b".equals(session.serverName()));
        assertThat(session.isOpen()).isTrue();
        assertThat(client.metrics().migrationsCompleted()).isEqualTo(1);
    }

    @Test
    void claimPendingForLongerThanTheClaimWaitIsAFailedPathThatSaysWhy() {
        FakeServer a = server("a");
        FakeServer b = server("b");
        FerrySession session = client(ClientOptions.builder()
                        .serviceAddress(a.address())
                        .resumeAttempts(1)
                        .resumeBackoff(Duration.ofMillis(10))
                        .claimWait(Duration.ZERO)
                        .build())
                .connect();
        FakeConnection source = a.awaitConnection();
        b.autoResume = false;
        a.autoResume = false;
        source.sendAndClose(migrate(2, 0, 0, b.address()), goodbye(GoodbyeReason.MIGRATING));
        for (FakeServer next : java.util.List.of(b, a)) {
            FakeConnection attempt = next.awaitConnection();
            attempt.expect(Frame.Resume.class);
            attempt.sendAndClose(new Frame.Error(ErrorCode.CLAIM_PENDING, 0, "being resumed by c"));
        }
        await().atMost(Waits.STATE).until(() -> !session.isOpen());
        assertThatThrownBy(() -> session.execute("PING"))
                .isInstanceOf(ResumeRefusedException.class)
                .hasMessageContaining("CLAIM_PENDING for longer than the claim wait");
    }

    @Test
    void connectionLostWithACommandOutstanding() {
        FakeServer a = server("a");
        FerryClient client = client(a, true);
        FerrySession session = client.connect();
        FakeConnection conn = a.awaitConnection();
        conn.expect(Frame.Hello.class);

        ResultStream rs = session.submit("INCR k");
        conn.expect(Frame.Command.class);
        conn.close();
        assertThatThrownBy(rs::await)
                .isInstanceOf(SessionLostException.class)
                .hasMessageContaining("no migration in progress")
                .hasMessageContaining("'INCR k' may or may not have run");
        assertThatThrownBy(() -> session.execute("PING")).isInstanceOf(SessionLostException.class);
        assertThat(client.metrics().sessionsLost()).isEqualTo(1);
    }

    @Test
    void shutdownWithoutMigrationIsExplained() {
        FakeServer a = server("a");
        FerrySession session = client(a, true).connect();
        FakeConnection conn = a.awaitConnection();
        conn.sendAndClose(new Frame.Goodbye(GoodbyeReason.SHUTDOWN, "pod is going away"));
        await().atMost(Waits.STATE).until(() -> !session.isOpen());
        assertThatThrownBy(() -> session.execute("PING"))
                .isInstanceOf(SessionLostException.class)
                .hasMessageContaining("GOODBYE(SHUTDOWN: pod is going away)");
    }

    @Test
    void nonReadAheadSessionFindsOutAtItsNextCommand() {
        FakeServer a = server("a");
        FerrySession session = client(a, false).connect();
        FakeConnection conn = a.awaitConnection();
        conn.expect(Frame.Hello.class);
        conn.close();
        assertThat(session.isOpen())
                .as("an idle non-read-ahead session does not read")
                .isTrue();
        assertThatThrownBy(() -> session.execute("PING"))
                .isInstanceOf(SessionLostException.class)
                .hasMessageContaining("may or may not have run");
    }

    @Test
    void everyResumePathFailingLosesTheSessionAndSaysWhatWasTried() {
        FakeServer a = server("a");
        String dead = FakeServer.deadAddress();
        FerryClient client = client(ClientOptions.builder()
                .serviceAddress(a.address())
                .resumeAttempts(2)
                .resumeBackoff(Duration.ofMillis(10))
                .build());
        FerrySession session = client.connect();
        FakeConnection source = a.awaitConnection();
        source.expect(Frame.Hello.class);
        ResultStream rs = session.submit("PING");
        int id = source.expect(Frame.Command.class).requestId();
        source.sendAndClose(migrate(6, 0, 0, dead), new Frame.Deferred(id), goodbye(GoodbyeReason.MIGRATING));

        for (int pass = 0; pass < 2; pass++) { // the service address (server a) has no store either
            FakeConnection viaService = a.awaitConnection();
            viaService.expect(Frame.Resume.class);
            viaService.sendAndClose(new Frame.Error(ErrorCode.STORE_UNAVAILABLE, 0, "redis down"));
        }
        assertThatThrownBy(rs::await)
                .isInstanceOf(SessionLostException.class)
                .hasMessageContaining("every resume path failed")
                .hasMessageContaining(dead + ": cannot connect")
                .hasMessageContaining("STORE_UNAVAILABLE (redis down)")
                .hasMessageContaining("'PING' was not run");
        assertThat(client.metrics().failedResumes()).isEqualTo(4);
    }

    @Test
    void protocolErrorFromTheServerEndsTheSessionWithItsText() {
        FakeServer a = server("a");
        FerrySession session = client(a, true).connect();
        FakeConnection conn = a.awaitConnection();
        conn.sendAndClose(new Frame.Error(ErrorCode.PROTOCOL_ERROR, 0, "frame not allowed now"));
        await().atMost(Waits.STATE).until(() -> !session.isOpen());
        assertThatThrownBy(() -> session.execute("PING"))
                .isInstanceOf(SessionLostException.class)
                .hasMessageContaining("PROTOCOL_ERROR: frame not allowed now");
    }
}
