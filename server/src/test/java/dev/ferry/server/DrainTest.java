package dev.ferry.server;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.SessionId;
import dev.ferry.store.ClaimResult;
import dev.ferry.store.ContextStore;
import dev.ferry.store.ExportedContext;
import dev.ferry.store.InMemoryContextStore;
import dev.ferry.store.StoreUnavailableException;
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
    static final class FlakyStore implements ContextStore {
        final InMemoryContextStore delegate = new InMemoryContextStore();
        final AtomicInteger failuresLeft;

        FlakyStore(int failures) { this.failuresLeft = new AtomicInteger(failures); }

        @Override
        public CompletableFuture<Void> export(SessionId id, ExportedContext context, Duration ttl) {
            if (failuresLeft.getAndDecrement() > 0) {
                return CompletableFuture.failedFuture(new StoreUnavailableException("flaky store: export refused", null));
            }
            return delegate.export(id, context, ttl);
        }

        @Override
        public CompletableFuture<Boolean> save(SessionId id, ExportedContext context, String owner, java.util.List<String> ownClaimants, Duration ttl) {
            return delegate.save(id, context, owner, ownClaimants, ttl);
        }

        @Override
        public CompletableFuture<ClaimResult> claim(SessionId id, byte[] tokenSha256, String claimant, Duration tombstoneTtl,
                Duration confirmWithin) {
            return delegate.claim(id, tokenSha256, claimant, tombstoneTtl, confirmWithin);
        }

        @Override
        public CompletableFuture<Boolean> confirm(SessionId id, String claimant, Duration tombstoneTtl) {
            return delegate.confirm(id, claimant, tombstoneTtl);
        }

        @Override public CompletableFuture<Boolean> expire(SessionId id, Duration ttl) { return delegate.expire(id, ttl); }
        @Override public CompletableFuture<Void> delete(SessionId id) { return delegate.delete(id); }
        @Override public CompletableFuture<Void> ping() { return delegate.ping(); }
        @Override public String describe() { return "flaky in-memory store"; }
        @Override public void close() { delegate.close(); }
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
            await().until(() -> source.sessionCountsByState().get(MigrationState.READY) == 6);
            assertThat(source.isServing()).isFalse();
        } finally {
            clients.forEach(WireClient::close);
            store.close();
        }
    }
}
