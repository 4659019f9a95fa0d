package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.protocol.SessionId;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.TestPki;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Redis store against a redis-server that speaks TLS only and requires a password. */
class RedisTlsStoreTest {
    private static final String PASSWORD = "s3cret-store-pw";
    static TestPki pki;
    static TestPki otherPki;
    static RedisServer redis;

    @BeforeAll
    static void start() {
        pki = TestPki.create();
        otherPki = TestPki.create("Other CA");
        redis = RedisServer.builder().tls(pki).password(PASSWORD).start();
    }

    @AfterAll
    static void stop() {
        redis.close();
        pki.close();
        otherPki.close();
    }

    private static ContextStoreOptions options(TestPki trust) {
        return ContextStoreOptions.builder()
                .trustCaPem(trust.caPem())
                .commandTimeout(Duration.ofSeconds(2))
                .connectTimeout(Duration.ofSeconds(2))
                .build();
    }

    @Test
    void exportAndClaimOverTlsWithPassword() throws Exception {
        assertThat(redis.uri()).startsWith("rediss://:" + PASSWORD + "@");
        try (ContextStore store = ContextStores.open(redis.uri(), options(pki))) {
            assertThat(store.describe()).startsWith("rediss://").doesNotContain(PASSWORD);
            store.ping().get(5, TimeUnit.SECONDS);
            SessionId id = SessionId.random(new SecureRandom());
            byte[] hash = new byte[32];
            store.export(id, new ExportedContext(hash, new byte[] {1, 2, 3}), Duration.ofSeconds(60))
                    .get(5, TimeUnit.SECONDS);
            ClaimResult claimed =
                    store.claim(id, hash, "tls-test", Duration.ofSeconds(60)).get(5, TimeUnit.SECONDS);
            assertThat(claimed)
                    .isInstanceOfSatisfying(
                            ClaimResult.Claimed.class,
                            c -> assertThat(c.payload()).containsExactly(1, 2, 3));
        }
    }

    @Test
    void wrongPasswordMakesTheStoreUnavailableWithoutLeakingThePassword() {
        String wrong = "wrong-pw-" + Long.toHexString(new SecureRandom().nextLong());
        String uri = "rediss://:" + wrong + "@" + redis.host() + ":" + redis.port();
        try (ContextStore store = ContextStores.open(uri, options(pki))) {
            assertThatThrownBy(() -> store.ping().join())
                    .isInstanceOf(CompletionException.class)
                    .satisfies(e -> {
                        assertThat(e.getCause()).isInstanceOf(StoreUnavailableException.class);
                        for (Throwable t = e; t != null; t = t.getCause()) {
                            assertThat(String.valueOf(t.getMessage()))
                                    .doesNotContain(wrong)
                                    .doesNotContain(PASSWORD);
                        }
                    });
            assertThat(store.describe()).doesNotContain(wrong);
        }
    }

    @Test
    void untrustedRedisCertificateMakesTheStoreUnavailable() {
        try (ContextStore store = ContextStores.open(redis.uri(), options(otherPki))) {
            assertThatThrownBy(() -> store.ping().join())
                    .isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(StoreUnavailableException.class)
                    .hasStackTraceContaining("SSL");
        }
    }

    @Test
    void missingCaFileIsAClearConfigurationError() {
        assertThatThrownBy(() ->
                        ContextStoreOptions.builder().trustCaPem(pki.directory().resolve("nope.pem")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nope.pem");
    }
}
