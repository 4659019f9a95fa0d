package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ContextStoresTest {

    @Test
    void memoryUriOpensTheInMemoryStore() {
        try (ContextStore store = ContextStores.open("memory:")) {
            assertThat(store).isInstanceOf(InMemoryContextStore.class);
        }
    }

    @Test
    void redisUrisOpenWithoutConnecting() {
        // Nothing listens on port 1; opening must still succeed (the store connects on first use).
        for (String uri : new String[] {"redis://127.0.0.1:1", "redis-cluster://127.0.0.1:1,127.0.0.1:2"}) {
            try (ContextStore store = ContextStores.open(uri)) {
                assertThat(store).isInstanceOf(RedisContextStore.class);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "memory:",
                "MEMORY:",
                "memory://",
                "redis://localhost",
                "redis://:secret@localhost:6380/2",
                "rediss://user:secret@redis.example:6380",
                "redis-sentinel://:secret@s1:26379,s2:26380#mymaster",
                "redis-sentinel://s1#primary",
                "redis-cluster://a:7000,b:7001,c:7002",
                "rediss-cluster://:secret@10.0.0.1:7000",
                "redis-cluster://[::1]:7000"
            })
    void acceptsTheDocumentedForms(String uri) {
        assertThat(ContextStores.validateUri(uri)).doesNotContain("secret");
    }

    @Test
    void describesWithoutSecrets() {
        assertThat(ContextStores.validateUri("redis://:secret@localhost:6380/2"))
                .isEqualTo("redis://localhost:6380/2");
        assertThat(ContextStores.validateUri("redis-sentinel://:secret@s1:26379,s2:26380#mymaster"))
                .isEqualTo("redis-sentinel://s1:26379,s2:26380#mymaster");
        assertThat(ContextStores.validateUri("rediss-cluster://:secret@a:7000,b:7001"))
                .isEqualTo("rediss-cluster://a:7000,b:7001");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "   ",
                "localhost:6379",
                "http://localhost",
                "memory:extra",
                "redis://",
                "redis://:6379",
                "redis://host:99999",
                "redis-sentinel://s1:26379",
                "redis-cluster://",
                "redis-cluster://a",
                "redis-cluster://a:7000,",
                "redis-cluster://a:x",
                "redis-cluster://a:7000/0",
                "redis-cluster://a:0"
            })
    void rejectsOtherFormsSayingWhatIsExpected(String uri) {
        assertThatThrownBy(() -> ContextStores.open(uri))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected one of")
                .hasMessageContaining("redis-cluster://");
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> ContextStores.open((String) null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected one of");
    }

    @Test
    void optionsHaveDefaultsAndRejectNonsense() {
        ContextStoreOptions defaults = ContextStoreOptions.defaults();
        assertThat(defaults.uri()).isEqualTo("memory:");
        assertThat(defaults.keyPrefix()).isEqualTo("ferry:session:");
        assertThat(defaults.commandTimeout()).hasSeconds(2);
        assertThat(defaults.connectTimeout()).hasSeconds(2);
        assertThatThrownBy(() -> ContextStoreOptions.builder().keyPrefix("a{b"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ContextStoreOptions.builder().commandTimeout(java.time.Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(defaults.withUri("redis://:pw@h").toString()).doesNotContain("pw");
    }
}
