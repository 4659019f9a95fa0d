package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** FERRY_SERVER_VERSION: what VERSION answers; the jar's version (or "dev" from classes) unless set. */
class ServerConfigVersionTest {

    private static Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>(Map.of("FERRY_SERVER_NAME", "pod-0", "FERRY_ADMIN_INSECURE", "true"));
        for (int i = 0; i < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        return env;
    }

    @Test
    void theImageTagWhenSet() {
        assertThat(ServerConfig.fromEnvironment(env("FERRY_SERVER_VERSION", " 2 "))
                        .version())
                .isEqualTo("2");
    }

    @Test
    void theBuildsVersionWhenUnsetOrBlank() {
        String fromBuild = ServerConfig.fromEnvironment(env()).version();
        assertThat(fromBuild).isNotBlank();
        assertThat(ServerConfig.fromEnvironment(env("FERRY_SERVER_VERSION", "  "))
                        .version())
                .isEqualTo(fromBuild);
    }
}
