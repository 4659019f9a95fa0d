package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.SessionId;
import dev.ferry.store.ExportedContext;
import dev.ferry.store.ForwardingContextStore;
import dev.ferry.store.InMemoryContextStore;
import dev.ferry.store.StoreUnavailableException;
import dev.ferry.testkit.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A drain spreads sessions over its targets, asks again for those whose migration failed, and keeps
 * its limits: its rate, and how many sessions are on their way at a time.
 */
class DrainTest {

    /** An in-memory store whose first {@code failures} exports fail as if Redis were down. */
    static final class FlakyStore extends ForwardingContextStore {
        final AtomicInteger failuresLeft;

        FlakyStore(int failures) {
            super(new InMemoryContextStore());
            this.failuresLeft = new AtomicInteger(failures);
        }

        @Override
        public CompletableFuture<Void> export(SessionId id, ExportedContext context, Duration ttl) {
            if (failuresLeft.getAndDecrement() > 0) {
                return CompletableFuture.failedFuture(
                        new StoreUnavailableException("flaky store: export refused", null));
            }
            return delegate.export(id, context, ttl);
        }

        @Override
        public String describe() {
            return "flaky in-memory store";
        }
    }

    @Test
    void failedMigrationsAreAskedAgainAndSessionsSpreadOverTheTargets() {
        FlakyStore store = new FlakyStore(2);
        List<WireClient> clients = new ArrayList<>();
        try (FerryServer source = FerryServer.start(ServerOptions.builder()
                .serverName("source")
                .contextStore(store)
                .handler(new CountingHandler())
                .build())) {
            for (int i = 0; i < 6; i++) {
                WireClient c = WireClient.connect(source.localAddress());
                c.hello();
                clients.add(c);
            }
            Drain drain = source.drain(List.of("127.0.0.3:7000", "127.0.0.4:7000"), 0);

            List<String> firstTargets = new ArrayList<>();
            for (WireClient c : clients)
                firstTargets.add(c.expect(Frame.Migrate.class).targets().getFirst());
            assertThat(source.metrics().migrationsFailed()).isEqualTo(2);
            assertThat(drain.gaveUp()).isZero();
            assertThat(firstTargets).contains("127.0.0.3:7000", "127.0.0.4:7000");
            await().atMost(Waits.STATE)
                    .until(() -> source.sessionCountsByState().get(MigrationState.READY) == 6);
            assertThat(source.isServing()).isFalse();
        } finally {
            clients.forEach(WireClient::close);
            store.close();
        }
    }

    @Test
    void aSessionThatKeepsFailingIsAskedMaxAttemptsTimesAndThenStays() {
        FlakyStore store = new FlakyStore(Integer.MAX_VALUE);
        try (FerryServer source = FerryServer.start(ServerOptions.builder()
                        .serverName("source")
                        .contextStore(store)
                        .handler(new CountingHandler())
                        .build());
                WireClient client = WireClient.connect(source.localAddress())) {
            client.hello();
            Drain drain = source.drain(List.of("127.0.0.3:7000"), 0);

            await().atMost(Waits.STATE).until(() -> drain.gaveUp() == 1);
            assertThat(source.metrics().migrationsFailed()).isEqualTo(Drain.MAX_ATTEMPTS);
            assertThat(drain.requested()).isEqualTo(Drain.MAX_ATTEMPTS);
            assertThat(source.sessionCountsByState().get(MigrationState.FAILED)).isEqualTo(1);
        } finally {
            store.close();
        }
    }

    @Test
    void noMoreThanTheWindowAreOnTheirWayUntilTheOldestHaveHadTheirSecond() {
        int window = DrainWindow.SERVER.initial(); // no move ends here, so the window never adapts
        int sessions = window + 6;
        InMemoryContextStore store = new InMemoryContextStore();
        List<WireClient> clients = new ArrayList<>();
        try (FerryServer source = FerryServer.start(ServerOptions.builder()
                .serverName("source")
                .contextStore(store)
                .handler(new CountingHandler())
                .build())) {
            for (int i = 0; i < sessions; i++) {
                WireClient c = WireClient.connect(source.localAddress());
                c.hello();
                clients.add(c);
            }
            long started = System.nanoTime();
            Drain drain = source.drain(List.of("127.0.0.3:7000"), 0);

            // These clients never act on MIGRATE: only the bound on a client's time on its way lets more go.
            await().atMost(Waits.STATE).until(() -> drain.requested() > window);
            assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(Drain.MOVING_FOR_AT_MOST_NANOS);
            await().atMost(Waits.STATE).until(() -> drain.requested() == sessions && drain.notYetRequested() == 0);
            for (WireClient c : clients) c.expect(Frame.Migrate.class);
        } finally {
            clients.forEach(WireClient::close);
            store.close();
        }
    }

    @Test
    void aRateLimitedDrainAsksNoFasterThanItsRate() {
        int sessions = 10;
        double perSecond = 20;
        InMemoryContextStore store = new InMemoryContextStore();
        List<WireClient> clients = new ArrayList<>();
        try (FerryServer source = FerryServer.start(ServerOptions.builder()
                .serverName("source")
                .contextStore(store)
                .handler(new CountingHandler())
                .build())) {
            for (int i = 0; i < sessions; i++) {
                WireClient c = WireClient.connect(source.localAddress());
                c.hello();
                clients.add(c);
            }
            long started = System.nanoTime();
            Drain drain = source.drain(List.of("127.0.0.3:7000"), perSecond);

            await().atMost(Waits.STATE).until(() -> drain.requested() == sessions);
            // The bucket starts empty: the n-th session waits for its n-th token.
            assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo((long) (sessions / perSecond * 1e9));
            for (WireClient c : clients) c.expect(Frame.Migrate.class);
            assertThat(drain.notYetRequested()).isZero();
        } finally {
            clients.forEach(WireClient::close);
            store.close();
        }
    }
}
