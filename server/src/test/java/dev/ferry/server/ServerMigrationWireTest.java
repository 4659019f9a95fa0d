package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.protocol.ResumeToken;
import dev.ferry.testkit.Waits;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The server's side of migration, frame by frame, with two servers sharing an in-memory store. */
class ServerMigrationWireTest extends TwoServerWireTest {

    @Test
    void idleSessionMigratesWithItsContextAndANewToken() {
        try (WireClient c = WireClient.connect(source.localAddress())) {
            Frame.Welcome w = c.hello();
            c.send(new Frame.Command(1, "SET hello"));
            assertThat(c.untilFinal(1)).last().isEqualTo(new Frame.Done(1, 1, 1));

            assertThat(source.migrate(1, List.of(target.advertisedAddress()))).isEqualTo(1);
            Frame.Migrate m = c.expect(Frame.Migrate.class);
            assertThat(m.targets()).containsExactly(target.advertisedAddress());
            assertThat(m.inBatchRequestId()).isZero();
            assertThat(m.deadlineMillis()).isBetween(1L, 30_000L);

            try (WireClient t = WireClient.connect(m.targets().get(0))) {
                t.send(new Frame.Resume(ProtocolVersion.CURRENT, w.sessionId(), w.resumeToken(), 0));
                Frame.Welcome resumed = t.expect(Frame.Welcome.class);
                assertThat(resumed.resumed()).isTrue();
                assertThat(resumed.sessionId()).isEqualTo(w.sessionId());
                assertThat(resumed.resumeToken()).isNotEqualTo(w.resumeToken());
                c.send(new Frame.Goodbye(GoodbyeReason.MOVED, ""));
                assertThat(c.awaitClosed(Duration.ofSeconds(5))).isTrue();

                t.send(new Frame.Command(2, "GET"));
                assertThat(t.untilFinal(2))
                        .first()
                        .satisfies(f ->
                                assertThat(new String(((Frame.Row) f).data())).isEqualTo("hello"));
            }
        }
        await().atMost(Waits.STATE).until(() -> source.sessionCount() == 0);
        assertThat(source.metrics().migrationsCompleted()).isEqualTo(1);
        // The source timed the move from its MIGRATE to the client's GOODBYE(MOVED); the target times none.
        assertThat(source.scrapeMetrics())
                .contains("ferry_migration_pause_seconds_count 1")
                .contains("ferry_migration_pause_seconds_bucket{le=\"+Inf\"} 1");
        assertThat(target.scrapeMetrics()).contains("ferry_migration_pause_seconds_count 0");
    }

    @Test
    void aSessionTellsWhenItWasLastAskedToMigrate() {
        try (WireClient c = WireClient.connect(source.localAddress())) {
            c.hello();
            Session session = source.sessions().iterator().next();
            assertThat(session.migrationRequestedNanos()).isZero();
            long before = System.nanoTime();
            session.requestMigration(List.of("unreachable:1"));
            long first = session.migrationRequestedNanos();
            assertThat(first - before).isNotNegative();
            assertThat(System.nanoTime() - first).isNotNegative();
            c.expect(Frame.Migrate.class);
            // A newer request replaces the one the client has not acted on, and its time with it.
            session.requestMigration(List.of(target.advertisedAddress()));
            assertThat(session.migrationRequestedNanos() - first).isPositive();
        }
    }

    @Test
    void commandAfterExportIsDeferredNotRun() {
        try (WireClient c = WireClient.connect(source.localAddress())) {
            c.hello();
            source.migrate(1, List.of(target.advertisedAddress()));
            c.expect(Frame.Migrate.class);
            c.send(new Frame.Command(5, "SET never"));
            assertThat(c.next()).isEqualTo(new Frame.Deferred(5));
        }
    }

    @Test
    void aClientThatEndsItsSessionAfterMigrateLeavesNothingToResume() {
        try (WireClient c = WireClient.connect(source.localAddress())) {
            Frame.Welcome w = c.hello();
            source.migrate(1, List.of(target.advertisedAddress()));
            c.expect(Frame.Migrate.class);
            c.send(new Frame.Goodbye(GoodbyeReason.CLOSE, "done"));
            assertThat(c.awaitClosed(Duration.ofSeconds(5))).isTrue();
            await().atMost(Waits.STATE).until(() -> source.sessionCount() == 0);
            // The exported context went with the session: a RESUME finds nothing, and no move is counted.
            try (WireClient t = WireClient.connect(target.advertisedAddress())) {
                t.send(new Frame.Resume(ProtocolVersion.CURRENT, w.sessionId(), w.resumeToken(), 0));
                assertThat(t.expect(Frame.Error.class).code()).isEqualTo(ErrorCode.SESSION_EXPIRED);
            }
            assertThat(source.metrics().migrationsCompleted()).isZero();
        }
    }

    @Test
    void sourceResetsTheConnectionOnceTheClientHasMovedAndClosesOtherwiseGracefully() {
        try (WireClient c = WireClient.connect(source.localAddress())) {
            Frame.Welcome w = c.hello();
            source.migrate(1, List.of(target.advertisedAddress()));
            c.expect(Frame.Migrate.class);
            try (WireClient t = WireClient.connect(target.advertisedAddress())) {
                t.send(new Frame.Resume(ProtocolVersion.CURRENT, w.sessionId(), w.resumeToken(), 0));
                t.expect(Frame.Welcome.class);
                // This client does not close after GOODBYE(MOVED): the source ends the connection with a reset
                // (no FIN/ACK exchange, no TIME_WAIT), which the client reads as "connection reset".
                c.send(new Frame.Goodbye(GoodbyeReason.MOVED, ""));
                assertThat(c.awaitClosed(Duration.ofSeconds(5))).isTrue();
                assertThat(c.failure()).isInstanceOf(java.io.IOException.class);

                // A session the client ends is closed in the usual way: FIN, read as end of stream.
                t.send(new Frame.Goodbye(GoodbyeReason.CLOSE, ""));
                assertThat(t.awaitClosed(Duration.ofSeconds(5))).isTrue();
                assertThat(t.failure()).isNull();
            }
        }
    }

    @Test
    void inBatchStreamContinuesOnTargetWithoutGapOrDuplicate() {
        try (WireClient c = WireClient.connect(source.localAddress())) {
            Frame.Welcome w = c.hello();
            c.send(new Frame.Command(9, "ROWS 200 2"));
            List<Long> seqs = new ArrayList<>();
            Frame f;
            while (seqs.size() < 10) {
                f = c.next();
                seqs.add(((Frame.Row) f).seq());
            }
            source.migrate(1, List.of(target.advertisedAddress()));
            Frame.Migrate m;
            for (; ; ) {
                f = c.next();
                if (f instanceof Frame.Migrate mm) {
                    m = mm;
                    break;
                }
                seqs.add(((Frame.Row) f).seq());
            }
            assertThat(m.inBatchRequestId()).isEqualTo(9);
            try (WireClient t = WireClient.connect(target.advertisedAddress())) {
                t.send(new Frame.Resume(ProtocolVersion.CURRENT, w.sessionId(), w.resumeToken(), 0));
                t.expect(Frame.Welcome.class);
                c.send(new Frame.Goodbye(GoodbyeReason.MOVED, ""));
                List<Frame> rest = t.untilFinal(9);
                for (Frame r : rest.subList(0, rest.size() - 1)) seqs.add(((Frame.Row) r).seq());
                assertThat(rest.getLast()).isEqualTo(new Frame.Done(9, 1, 200));
            }
            List<Long> expected = new ArrayList<>();
            for (long i = 0; i < 200; i++) expected.add(i);
            assertThat(seqs).isEqualTo(expected);
        }
    }

    @Test
    void secondResumeIsRefusedAsAlreadyClaimedAndWrongTokenAsBadToken() {
        try (WireClient c = WireClient.connect(source.localAddress())) {
            Frame.Welcome w = c.hello();
            source.migrate(1, List.of(target.advertisedAddress()));
            c.expect(Frame.Migrate.class);
            try (WireClient wrong = WireClient.connect(target.advertisedAddress())) {
                wrong.send(new Frame.Resume(
                        ProtocolVersion.CURRENT, w.sessionId(), ResumeToken.random(new SecureRandom()), 0));
                assertThat(wrong.expect(Frame.Error.class).code()).isEqualTo(ErrorCode.BAD_TOKEN);
            }
            try (WireClient first = WireClient.connect(target.advertisedAddress())) {
                first.send(new Frame.Resume(ProtocolVersion.CURRENT, w.sessionId(), w.resumeToken(), 0));
                assertThat(first.expect(Frame.Welcome.class).resumed()).isTrue();
                // The target confirms its claim once its WELCOME is written; a RESUME racing that confirmation
                // would get CLAIM_PENDING, and ALREADY_CLAIMED from then on.
                org.awaitility.Awaitility.await()
                        .atMost(java.time.Duration.ofSeconds(10))
                        .untilAsserted(() -> {
                            try (WireClient second = WireClient.connect(source.advertisedAddress())) {
                                second.send(
                                        new Frame.Resume(ProtocolVersion.CURRENT, w.sessionId(), w.resumeToken(), 0));
                                Frame.Error e = second.expect(Frame.Error.class);
                                assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_CLAIMED);
                                assertThat(e.text()).contains("target");
                            }
                        });
            }
        }
    }

    @Test
    void handlerThatForgetsDoneGetsOneFromTheSdk() {
        try (WireClient c = WireClient.connect(source.localAddress())) {
            c.hello();
            c.send(new Frame.Command(3, "FORGET"));
            List<Frame> frames = c.untilFinal(3);
            assertThat(frames).hasSize(2);
            assertThat(((Frame.Done) frames.get(1)).isFinal()).isTrue();
            c.send(new Frame.Command(4, "THROW"));
            frames = c.untilFinal(4);
            assertThat(frames.get(0)).isInstanceOf(Frame.Message.class);
            assertThat(((Frame.Done) frames.get(1)).isError()).isTrue();
        }
    }
}
