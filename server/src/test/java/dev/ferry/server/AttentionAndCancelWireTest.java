package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.protocol.DoneFlags;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.testkit.Waits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Attention around a migration, cancel, and a held migration, frame by frame. */
class AttentionAndCancelWireTest extends TwoServerWireTest {

    /** Reads rows of {@code requestId} until a MIGRATE arrives; returns it. */
    private static Frame.Migrate rowsUntilMigrate(WireClient c) {
        for (; ; ) {
            Frame f = c.next();
            if (f instanceof Frame.Migrate m) return m;
            assertThat(f).isInstanceOf(Frame.Row.class);
        }
    }

    @Test
    void attentionBeforeTheExportIsAnsweredByTheSourceAndNothingMigratesInBatch() {
        try (WireClient c = WireClient.connect(source.localAddress())) {
            c.hello();
            c.send(new Frame.Command(1, "ROWS 100000 5"));
            c.expect(Frame.Row.class);
            c.send(new Frame.Attention(1));
            List<Frame> rest = c.untilFinal(1);
            Frame.Done done = (Frame.Done) rest.getLast();
            assertThat(done.flags()).isEqualTo(DoneFlags.FINAL | DoneFlags.ATTENTION);
            assertThat(rest.subList(0, rest.size() - 1)).allMatch(f -> f instanceof Frame.Row);

            source.migrate(1, List.of(target.advertisedAddress()));
            Frame.Migrate m = c.expect(Frame.Migrate.class);
            assertThat(m.inBatchRequestId()).isZero();
        }
    }

    @Test
    void attentionWhileMovingIsAnsweredOnceByTheTargetWithNoRowAfterIt() {
        try (WireClient c = WireClient.connect(source.localAddress())) {
            Frame.Welcome w = c.hello();
            c.send(new Frame.Command(7, "ROWS 100000 5"));
            c.expect(Frame.Row.class);
            source.migrate(1, List.of(target.advertisedAddress()));
            Frame.Migrate m = rowsUntilMigrate(c);
            assertThat(m.inBatchRequestId()).isEqualTo(7);

            // The source no longer owns request 7: an ATTENTION sent to it is ignored.
            c.send(new Frame.Attention(7));
            try (WireClient t = WireClient.connect(target.advertisedAddress())) {
                t.send(new Frame.Resume(ProtocolVersion.CURRENT, w.sessionId(), w.resumeToken(), 7));
                t.expect(Frame.Welcome.class);
                Frame.Done done = t.expect(Frame.Done.class);
                assertThat(done.requestId()).isEqualTo(7);
                assertThat(done.flags()).isEqualTo(DoneFlags.FINAL | DoneFlags.ATTENTION);
                c.send(new Frame.Goodbye(GoodbyeReason.MOVED, ""));
                assertThat(c.awaitClosed(Duration.ofSeconds(5))).isTrue();
                assertThat(c.drainReceived()).noneMatch(f -> f instanceof Frame.Done);

                // The next frames on the target belong to the next request: nothing of 7 follows.
                t.send(new Frame.Command(8, "GET"));
                List<Frame> next = t.untilFinal(8);
                assertThat(next).allMatch(f -> !(f instanceof Frame.Row r) || r.requestId() == 8);
                assertThat(next).hasSize(1);
            }
        }
    }

    @Test
    void cancelAfterExportTakesTheSessionBackAndATargetIsRefused() {
        try (WireClient c = WireClient.connect(source.localAddress())) {
            Frame.Welcome w = c.hello();
            c.send(new Frame.Command(1, "SET kept"));
            c.untilFinal(1);
            source.migrate(1, List.of(target.advertisedAddress()));
            Frame.Migrate m = c.expect(Frame.Migrate.class);
            c.send(new Frame.Command(2, "GET"));
            assertThat(c.next()).isEqualTo(new Frame.Deferred(2));

            assertThat(source.cancelDrain()).isEqualTo(1);
            assertThat(c.next()).isEqualTo(new Frame.MigrateCancel(m.migrationId()));
            assertThat(source.session(w.sessionId()).orElseThrow().migrationState())
                    .isEqualTo(MigrationState.CANCELLED);
            try (WireClient t = WireClient.connect(target.advertisedAddress())) {
                t.send(new Frame.Resume(ProtocolVersion.CURRENT, w.sessionId(), w.resumeToken(), 0));
                assertThat(t.expect(Frame.Error.class).code()).isEqualTo(ErrorCode.MIGRATION_CANCELLED);
            }
            // The deferred command, sent again, now runs on the source with the session's state.
            c.send(new Frame.Command(2, "GET"));
            assertThat(new String(((Frame.Row) c.next()).data())).isEqualTo("kept");
        }
    }

    @Test
    void aHoldPastTheTimerFailsTheMigrationAndTheSessionStays() {
        source.close();
        source = server("source", new MigrationTimers(Duration.ofMillis(300), Duration.ofSeconds(60)));
        try (WireClient c = WireClient.connect(source.localAddress())) {
            Frame.Welcome w = c.hello();
            c.send(new Frame.Command(1, "HOLD"));
            c.untilFinal(1);
            source.migrate(1, List.of(target.advertisedAddress()));
            await().atMost(Waits.STATE).until(() -> source.metrics().migrationsFailed() == 1);
            assertThat(source.session(w.sessionId()).orElseThrow().migrationState())
                    .isEqualTo(MigrationState.FAILED);
            assertThat(source.metrics().lastFailure()).contains("held");
            c.send(new Frame.Command(2, "SET still-here"));
            assertThat(c.untilFinal(2).getLast()).isEqualTo(new Frame.Done(2, DoneFlags.FINAL, 1));

            // Released, the next request migrates it.
            c.send(new Frame.Command(3, "RELEASE"));
            c.untilFinal(3);
            source.migrate(1, List.of(target.advertisedAddress()));
            assertThat(c.expect(Frame.Migrate.class).targets()).containsExactly(target.advertisedAddress());
        }
    }

    @Test
    void aHoldReleasedInTimeLetsTheMigrationHappenAtThatPoint() {
        try (WireClient c = WireClient.connect(source.localAddress())) {
            Frame.Welcome w = c.hello();
            c.send(new Frame.Command(1, "HOLD"));
            c.untilFinal(1);
            source.migrate(1, List.of(target.advertisedAddress()));
            assertThat(source.session(w.sessionId()).orElseThrow().migrationState())
                    .isEqualTo(MigrationState.REQUESTED);
            c.send(new Frame.Command(2, "RELEASE"));
            assertThat(c.untilFinal(2).getLast()).isInstanceOf(Frame.Done.class);
            assertThat(c.expect(Frame.Migrate.class).inBatchRequestId()).isZero();
        }
    }
}
