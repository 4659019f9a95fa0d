package dev.ferry.store;

import static dev.ferry.store.ContextStoreContract.join;
import static dev.ferry.store.ContextStoreContract.newContext;
import static dev.ferry.store.ContextStoreContract.newId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.protocol.SessionId;
import dev.ferry.testkit.FreePorts;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.Waits;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** The Redis store when Redis goes away, comes back, or was never there; and what it writes. */
class RedisAvailabilityTest {
    private static final Duration TIMEOUT = Duration.ofMillis(500);
    /** Connect + command timeout, the store's own safety net, and slack for a busy machine. */
    private static final Duration FAILS_WITHIN = Duration.ofSeconds(4);
    /** Ports to try for a Redis that must start on a port picked before it runs. */
    private static final int PORT_ATTEMPTS = 3;

    private static ContextStoreOptions fastFailing() {
        return ContextStoreOptions.builder()
                .commandTimeout(TIMEOUT)
                .connectTimeout(TIMEOUT)
                .build();
    }

    private static void assertUnavailable(CompletableFuture<?> future) {
        assertThat(future)
                .failsWithin(FAILS_WITHIN)
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(StoreUnavailableException.class);
    }

    private static void assertRoundTrip(ContextStore store) {
        SessionId id = newId();
        ExportedContext context = newContext();
        join(store.export(id, context, Duration.ofMinutes(1)));
        assertThat(join(store.claim(id, context.tokenSha256(), "b", Duration.ofMinutes(1))))
                .isInstanceOfSatisfying(
                        ClaimResult.Claimed.class, c -> assertThat(c.payload()).isEqualTo(context.payload()));
    }

    @Test
    void crashedRedisFailsEveryCallThenTheStoreRecoversWhenItReturns() {
        try (RedisServer redis = RedisServer.startDefault();
                ContextStore store = ContextStores.open(redis.uri(), fastFailing())) {
            assertRoundTrip(store);
            SessionId id = newId();
            ExportedContext context = newContext();

            redis.kill();

            assertUnavailable(store.ping());
            assertUnavailable(store.export(id, context, Duration.ofMinutes(1)));
            assertUnavailable(store.claim(id, context.tokenSha256(), "b", Duration.ofMinutes(1)));
            assertUnavailable(store.expire(id, Duration.ofMinutes(1)));
            assertUnavailable(store.delete(id));

            redis.start();

            await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> {
                join(store.ping());
                return true;
            });
            assertRoundTrip(store);
        }
    }

    @Test
    void gracefullyStoppedRedisFailsCallsToo() {
        try (RedisServer redis = RedisServer.startDefault();
                ContextStore store = ContextStores.open(redis.uri(), fastFailing())) {
            join(store.ping());
            redis.stop();
            assertUnavailable(store.claim(newId(), new byte[32], "b", Duration.ofMinutes(1)));
        }
    }

    @Test
    void aStoreOpenedWhileRedisIsDownConnectsOnceItIsUp() {
        // The port must be fixed before Redis runs; another process may take it meanwhile: then again on another.
        for (int attempt = 1; ; attempt++) {
            int port = FreePorts.next();
            try (ContextStore store = ContextStores.open("redis://127.0.0.1:" + port, fastFailing())) {
                assertUnavailable(store.ping());
                assertUnavailable(store.export(newId(), newContext(), Duration.ofMinutes(1)));

                RedisServer redis = RedisServer.builder().port(port).build();
                try {
                    redis.start();
                } catch (IllegalStateException e) {
                    redis.close();
                    if (attempt < PORT_ATTEMPTS && e.getMessage().contains("could not bind")) continue;
                    throw e;
                }
                try (redis) {
                    assertThat(redis.port()).isEqualTo(port);
                    await().atMost(Waits.STATE).ignoreExceptions().until(() -> {
                        join(store.ping());
                        return true;
                    });
                    assertRoundTrip(store);
                }
                return;
            }
        }
    }

    @Test
    void passwordFromTheUriIsUsedAndNeverDescribed() {
        try (RedisServer redis =
                RedisServer.builder().password("pa+ss:w0rd").build().start()) {
            String uri = "redis://:" + "pa%2Bss%3Aw0rd" + "@127.0.0.1:" + redis.port();
            try (ContextStore store = ContextStores.open(uri, fastFailing())) {
                assertRoundTrip(store);
                assertThat(store.describe()).doesNotContain("w0rd").contains("127.0.0.1:" + redis.port());
            }
            try (ContextStore wrong = ContextStores.open("redis://:nope@127.0.0.1:" + redis.port(), fastFailing())) {
                CompletableFuture<Void> ping = wrong.ping();
                assertUnavailable(ping);
                assertThat(ping.handle((ok, e) -> e.getCause().getMessage()).join())
                        .doesNotContain("nope");
            }
        }
    }

    @Test
    void recordIsOneHashUnderThePrefixWithTheSessionAsHashTag() {
        try (RedisServer redis = RedisServer.startDefault();
                ContextStore store = ContextStores.open(
                        redis.uri(),
                        ContextStoreOptions.builder().keyPrefix("test:ctx:").build())) {
            SessionId id = newId();
            ExportedContext context = newContext();
            join(store.export(id, context, Duration.ofSeconds(60)));
            String key = "test:ctx:{" + id + "}";

            assertThat(redis.command("TYPE", key)).isEqualTo("hash");
            assertThat(redis.command("HGET", key, "state")).isEqualTo("exported");
            assertThat((Long) redis.command("PTTL", key)).isBetween(1L, 60_000L);

            join(store.claim(id, context.tokenSha256(), "server-b", Duration.ofSeconds(30)));
            assertThat(redis.command("HGET", key, "state")).isEqualTo("claimed");
            assertThat(redis.command("HGET", key, "claimant")).isEqualTo("server-b");
            // The tombstone keeps the token hash and payload, for a claimant that lost the answer.
            assertThat(redis.command("HEXISTS", key, "payload")).isEqualTo(1L);
            assertThat(redis.command("HEXISTS", key, "token")).isEqualTo(1L);
            assertThat((Long) redis.command("PTTL", key)).isBetween(1L, 30_000L);
            assertThat(redis.command("KEYS", "*")).isEqualTo(List.of(key));
        }
    }

    @Test
    void scriptsAreReloadedAfterTheServerForgetsThem() {
        try (RedisServer redis = RedisServer.startDefault();
                ContextStore store = ContextStores.open(redis.uri(), fastFailing())) {
            assertRoundTrip(store);
            assertThat(redis.command("SCRIPT", "FLUSH")).isEqualTo("OK");
            assertRoundTrip(store);
            assertThat(join(store.expire(newId(), Duration.ofSeconds(1)))).isFalse();
        }
    }

    @Test
    void aClosedStoreFailsWithStoreUnavailable() {
        try (RedisServer redis = RedisServer.startDefault()) {
            ContextStore store = ContextStores.open(redis.uri(), fastFailing());
            join(store.ping());
            store.close();
            assertUnavailable(store.ping());
        }
    }
}
