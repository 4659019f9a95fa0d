package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.server.EmbeddedFleet.Link;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The migration timers run on the event loop's scheduler, whose only clock is the monotonic ticker
 * ({@code System.nanoTime()}; the SDK reads no wall clock anywhere), so a wall-clock jump (NTP
 * step, an operator's {@code date -s}) can neither expire nor extend a migration. Here the ticker
 * is frozen and moved by hand (no sleeping): the idle migration timer (5 s) fires exactly when the
 * monotonic clock has moved 5 s, however much real time the test takes, and the exported
 * context's TTL counts on the same clock.
 */
class MonotonicTimersTest {
    private final List<Frame> received = new ArrayList<>();

    @Test
    void theIdleMigrationTimerFiresExactlyWhenTheMonotonicClockSaysSo() {
        try (EmbeddedFleet fleet = new EmbeddedFleet(new ScriptedHandler((s, r) -> {}), (link, f) -> received.add(f))) {
            ServerRuntime a = fleet.servers.get(0);
            Link link = fleet.connect(a);
            fleet.send(link, new Frame.Hello(ProtocolVersion.CURRENT, "clock"));
            fleet.settle(Integer.MAX_VALUE);
            ServerSession session = a.sessions.values().iterator().next();

            session.requestMigration(List.of("b:7000"));
            fleet.settle(Integer.MAX_VALUE);
            fleet.deliver();
            assertThat(session.migrationState()).isEqualTo(MigrationState.READY);
            assertThat(received).anyMatch(f -> f instanceof Frame.Migrate);
            assertThat(fleet.store.recordCount()).isEqualTo(1);

            fleet.advance(EmbeddedFleet.TIMERS.idleMigration().minus(Duration.ofMillis(1)));
            assertThat(session.migrationState())
                    .as("1 ms before the idle migration timer")
                    .isEqualTo(MigrationState.READY);
            assertThat(link.isOpen()).isTrue();

            fleet.advance(Duration.ofMillis(1));
            assertThat(session.migrationState())
                    .as("at the idle migration timer")
                    .isEqualTo(MigrationState.MIGRATING);
            assertThat(received).anyMatch(f -> f instanceof Frame.Goodbye g && g.reason() == GoodbyeReason.MIGRATING);
            assertThat(link.isOpen()).isFalse();
            assertThat(a.metrics.migrationsHandedOff()).isEqualTo(1);

            // Handed off: the context waits in the store for the session idle timer, on the same clock.
            fleet.advance(EmbeddedFleet.TIMERS.sessionIdle().minus(Duration.ofMillis(1)));
            assertThat(fleet.store.sweepExpired()).isZero();
            assertThat(fleet.store.recordCount()).isEqualTo(1);
            fleet.advance(Duration.ofMillis(1));
            assertThat(fleet.store.sweepExpired()).isEqualTo(1);
        }
    }
}
