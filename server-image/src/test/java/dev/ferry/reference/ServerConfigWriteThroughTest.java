package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** FERRY_WRITE_THROUGH: off by default, true/false only, and never with a session idle timer of 0. */
class ServerConfigWriteThroughTest {

    private static Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>(Map.of("FERRY_SERVER_NAME", "pod-0", "FERRY_ADMIN_INSECURE", "true"));
        for (int i = 0; i < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        return env;
    }

    @Test
    void offUnlessSetAndCaseInsensitive() {
        assertThat(ServerConfig.fromEnvironment(env()).writeThrough()).isFalse();
        assertThat(ServerConfig.fromEnvironment(env("FERRY_WRITE_THROUGH", "TRUE"))
                        .writeThrough())
                .isTrue();
        assertThat(ServerConfig.fromEnvironment(env("FERRY_WRITE_THROUGH", "false"))
                        .writeThrough())
                .isFalse();
    }

    @Test
    void aBadValueSaysWhatIsAllowed() {
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(env("FERRY_WRITE_THROUGH", "yes")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("FERRY_WRITE_THROUGH must be true or false, was 'yes'");
    }

    @Test
    void aSessionIdleTimerOfZeroSaysWhatToFix() {
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(
                        env("FERRY_WRITE_THROUGH", "true", "FERRY_SESSION_IDLE_TIMER", "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("FERRY_WRITE_THROUGH=true needs FERRY_SESSION_IDLE_TIMER above 0");
    }
}
