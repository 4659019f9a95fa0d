package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** FERRY_CLAIM_CONFIRM_TIMEOUT: 5 s unless set, whole seconds 1..3600. */
class ServerConfigClaimConfirmTest {

    private static Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>(Map.of("FERRY_SERVER_NAME", "pod-0", "FERRY_ADMIN_INSECURE", "true"));
        for (int i = 0; i < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        return env;
    }

    @Test
    void fiveSecondsUnlessSet() {
        assertThat(ServerConfig.fromEnvironment(env()).claimConfirmTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(ServerConfig.fromEnvironment(env("FERRY_CLAIM_CONFIRM_TIMEOUT", "30"))
                        .claimConfirmTimeout())
                .isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void zeroOrGarbageSaysWhatIsAllowed() {
        for (String bad : new String[] {"0", "-1", "3601", "5s"}) {
            assertThatThrownBy(() -> ServerConfig.fromEnvironment(env("FERRY_CLAIM_CONFIRM_TIMEOUT", bad)))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("FERRY_CLAIM_CONFIRM_TIMEOUT");
        }
    }
}
