package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.DoneFlags;
import dev.ferry.protocol.Frame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pipelined commands around a migration the source calls off, frame by frame: the deferral barrier
 * (docs/protocol.md, "Pipelining across a migration") keeps them in the client's order.
 */
class PipelinedCancelWireTest extends TwoServerWireTest {

    private Frame.Migrate migrateAway(WireClient c) {
        source.migrate(1, List.of(target.advertisedAddress()));
        for (; ; ) {
            Frame f = c.next();
            if (f instanceof Frame.Migrate m) return m;
        }
    }

    private static String text(Frame f) {
        return new String(((Frame.Row) f).data(), StandardCharsets.UTF_8);
    }

    private static String get(WireClient c, int id) {
        c.send(new Frame.Command(id, "GET"));
        List<Frame> frames = c.untilFinal(id);
        return text(frames.getFirst());
    }

    @Test
    void aCommandArrivingAfterTheCancelIsDeferredUntilTheEarlierDeferredOneComesBack() {
        try (WireClient c = WireClient.connect(source.localAddress())) {
            c.hello();
            c.send(new Frame.Command(1, "SET a"));
            c.untilFinal(1);
            Frame.Migrate m = migrateAway(c);
            c.send(new Frame.Command(2, "SET b"));
            assertThat(c.next()).isEqualTo(new Frame.Deferred(2));
            assertThat(source.cancelDrain()).isEqualTo(1);
            assertThat(c.next()).isEqualTo(new Frame.MigrateCancel(m.migrationId()));

            // Request 3 was pipelined behind 2 before the client read MIGRATE_CANCEL: running it now would put it
            // ahead of 2, which the client is about to send again.
            c.send(new Frame.Command(3, "SET c"));
            assertThat(c.next()).isEqualTo(new Frame.Deferred(3));
            c.send(new Frame.Command(2, "SET b"));
            assertThat(c.untilFinal(2).getLast()).isEqualTo(new Frame.Done(2, DoneFlags.FINAL, 1));
            c.send(new Frame.Command(3, "SET c"));
            assertThat(c.untilFinal(3).getLast()).isEqualTo(new Frame.Done(3, DoneFlags.FINAL, 1));
            assertThat(get(c, 4)).isEqualTo("c");
        }
    }

    @Test
    void withNothingDeferredTheCancelLetsTheNextCommandRun() {
        try (WireClient c = WireClient.connect(source.localAddress())) {
            c.hello();
            Frame.Migrate m = migrateAway(c);
            source.cancelDrain();
            assertThat(c.next()).isEqualTo(new Frame.MigrateCancel(m.migrationId()));
            c.send(new Frame.Command(1, "SET a"));
            assertThat(c.untilFinal(1).getLast()).isEqualTo(new Frame.Done(1, DoneFlags.FINAL, 1));
        }
    }

    @Test
    void aFreshCommandIsDeferredWhileTheBarrierWaitsAndItsResendLiftsIt() {
        // The client ended the deferred request itself (its user cancelled it), so it never comes back;
        // the next command is deferred once, and its own re-send restores the order.
        try (WireClient c = WireClient.connect(source.localAddress())) {
            c.hello();
            Frame.Migrate m = migrateAway(c);
            c.send(new Frame.Command(2, "SET dropped"));
            assertThat(c.next()).isEqualTo(new Frame.Deferred(2));
            source.cancelDrain();
            assertThat(c.next()).isEqualTo(new Frame.MigrateCancel(m.migrationId()));
            c.send(new Frame.Command(3, "SET c"));
            assertThat(c.next()).isEqualTo(new Frame.Deferred(3));
            c.send(new Frame.Command(3, "SET c"));
            assertThat(c.untilFinal(3).getLast()).isEqualTo(new Frame.Done(3, DoneFlags.FINAL, 1));
            assertThat(get(c, 4)).isEqualTo("c");
        }
    }

    @Test
    void theInBatchRequestFinishesBeforeARequestDeferredBehindIt() {
        try (WireClient c = WireClient.connect(source.localAddress())) {
            c.hello();
            c.send(new Frame.Command(1, "ROWS 40 5"));
            c.expect(Frame.Row.class);
            c.send(new Frame.Command(2, "SET after"));
            Frame.Migrate m = migrateAway(c);
            assertThat(m.inBatchRequestId()).isEqualTo(1);
            List<Frame> frames = new ArrayList<>();
            Frame f;
            while (!((f = c.next()) instanceof Frame.Deferred)) frames.add(f);
            assertThat(f).isEqualTo(new Frame.Deferred(2));
            source.cancelDrain();
            assertThat(c.next()).isEqualTo(new Frame.MigrateCancel(m.migrationId()));
            c.send(new Frame.Command(2, "SET after"));
            frames.addAll(c.untilFinal(1));
            frames.addAll(c.untilFinal(2));

            List<Integer> order = frames.stream()
                    .map(x -> switch (x) {
                        case Frame.Row r -> r.requestId();
                        case Frame.Done d -> d.requestId();
                        default -> -1;
                    })
                    .toList();
            int lastOf1 = order.lastIndexOf(1);
            int firstOf2 = order.indexOf(2);
            assertThat(lastOf1)
                    .as("every frame of request 1 precedes request 2's")
                    .isLessThan(firstOf2);
            assertThat(frames.get(lastOf1)).isEqualTo(new Frame.Done(1, DoneFlags.FINAL, 40));
            assertThat(get(c, 3)).isEqualTo("after");
        }
    }
}
