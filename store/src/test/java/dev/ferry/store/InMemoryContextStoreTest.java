package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.SessionId;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InMemoryContextStoreTest extends ContextStoreContract {
    private final AtomicLong nanos = new AtomicLong(-5_000_000_000L); // any origin, even negative, must work

    @Override
    protected ContextStore newStore() {
        return new InMemoryContextStore(nanos::get);
    }

    @Override
    protected void letTimePass(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    private InMemoryContextStore memory() {
        return (InMemoryContextStore) store;
    }

    @Test
    void recordLivesUntilExactlyItsTtl() {
        SessionId id = newId();
        join(store.export(id, newContext(), Duration.ofSeconds(10)));

        letTimePass(Duration.ofSeconds(10).minusNanos(1));
        assertThat(probe(id)).isInstanceOf(ClaimResult.BadToken.class);

        letTimePass(Duration.ofNanos(1));
        assertThat(probe(id)).isInstanceOf(ClaimResult.Expired.class);
    }

    @Test
    void expireDoesNotReviveAnExpiredRecord() {
        SessionId id = newId();
        join(store.export(id, newContext(), Duration.ofSeconds(1)));
        letTimePass(Duration.ofSeconds(1));

        assertThat(join(store.expire(id, Duration.ofMinutes(1)))).isFalse();
        assertThat(probe(id)).isInstanceOf(ClaimResult.Expired.class);
    }

    @Test
    void sweepRemovesOnlyExpiredRecords() {
        join(store.export(newId(), newContext(), Duration.ofSeconds(1)));
        join(store.export(newId(), newContext(), Duration.ofSeconds(1)));
        SessionId keeper = newId();
        join(store.export(keeper, newContext(), Duration.ofMinutes(1)));
        letTimePass(Duration.ofSeconds(2));

        assertThat(memory().sweepExpired()).isEqualTo(2);
        assertThat(memory().recordCount()).isEqualTo(1);
        assertThat(probe(keeper)).isInstanceOf(ClaimResult.BadToken.class);
    }

    @Test
    void aClosedStoreFailsWithStoreUnavailable() {
        store.close();
        CompletableFuture<Void> ping = store.ping();
        assertThat(ping)
                .failsWithin(Duration.ofSeconds(1))
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(StoreUnavailableException.class);
        assertThat(store.claim(newId(), new byte[32], "b", Duration.ofSeconds(1)))
                .isCompletedExceptionally();
    }

    @Test
    void theDefaultConstructorUsesRealTime() {
        try (InMemoryContextStore real = new InMemoryContextStore()) {
            SessionId id = newId();
            ExportedContext context = newContext();
            join(real.export(id, context, Duration.ofMinutes(1)));
            assertThat(join(real.claim(id, context.tokenSha256(), "b", Duration.ofMinutes(1))))
                    .isInstanceOf(ClaimResult.Claimed.class);
        }
    }
}
