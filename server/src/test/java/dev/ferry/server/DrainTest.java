package dev.ferry.server;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.SessionId;
import dev.ferry.store.ExportedContext;
import dev.ferry.store.ForwardingContextStore;
import dev.ferry.store.InMemoryContextStore;
import dev.ferry.store.StoreUnavailableException;
import dev.ferry.testkit.Waits;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A drain spreads sessions over its targets and asks again for those whose migration failed. */
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
                return CompletableFuture.failedFuture(new StoreUnavailableException("flaky store: export refused", null));
            }
            return delegate.export(id, context, ttl);
        }

        @Override public String describe() { return "flaky in-memory store"; }
    }

    @Test
    void failedMigrationsAreAskedAgainAndSessionsSpreadOverTheTargets() {
        FlakyStore store = new FlakyStore(2);
        List<WireClient> clients = new ArrayList<>();
        try (FerryServer source = FerryServer.start(ServerOptions.builder().serverName("source")
                .contextStore(store).handler(new CountingHandler()).build())) {
            for (int i = 0; i < 6; i++) {
                WireClient c = WireClient.connect(source.localAddress());
                c.hello();
                clients.add(c);
            }
            Drain drain = source.drain(List.of("127.0.0.3:7000", "127.0.0.4:7000"), 0);

            List<String> firstTargets = new ArrayList<>();
            for (WireClient c : clients) firstTargets.add(c.expect(Frame.Migrate.class).targets().getFirst());
            assertThat(source.metrics().migrationsFailed()).isEqualTo(2);
            assertThat(drain.gaveUp()).isZero();
            assertThat(firstTargets).contains("127.0.0.3:7000", "127.0.0.4:7000");
            await().atMost(Waits.STATE).until(() -> source.sessionCountsByState().get(MigrationState.READY) == 6);
            assertThat(source.isServing()).isFalse();
        } finally {
            clients.forEach(WireClient::close);
            store.close();
        }
    }
}
