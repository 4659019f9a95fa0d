package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.WarmUp;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The reference server's warm-up ({@code FERRY_WARMUP_ITERATIONS}) on a real redis-server: not ready before it,
 * every iteration a real session that migrates to the server itself through Redis, ready after it, its figures on
 * /metrics, and nothing of it left behind.
 */
@ExtendWith(RedisServerExtension.class)
class ReferenceWarmUpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void sessionsMigrateThroughRedisBeforeTheServerSaysReady(RedisServer redis) throws Exception {
        int iterations = 25;
        try (ReferenceServer server = ReferenceServer.start(ServerConfig.fromEnvironment(
                env("FERRY_STORE_URI", redis.uri(), "FERRY_WARMUP_ITERATIONS", Integer.toString(iterations))))) {
            HttpResponse<String> before = get(server, "/healthz/ready");
            assertThat(before.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(before.body()).get("warmUp").asText()).isEqualTo("PENDING");

            WarmUp.Result result = server.warmUp();

            assertThat(result.failed()).isZero();
            assertThat(result.completed()).isEqualTo(iterations);
            HttpResponse<String> after = get(server, "/healthz/ready");
            assertThat(after.statusCode()).isEqualTo(200);
            JsonNode ready = JSON.readTree(after.body());
            assertThat(ready.get("store").asText()).isEqualTo("UP");
            // each session moved once, out of the warm-up server and back into it through Redis
            assertThat(server.warmUpMigrations()).isEqualTo(iterations);
            // ... and none of it shows in the serving server: its own warm-up server ran the sessions
            String metrics = get(server, "/metrics").body();
            assertThat(metrics)
                    .contains("ferry_warmup_iterations " + iterations + ".0")
                    .contains("ferry_sessions_opened_total 0.0")
                    .contains("ferry_sessions_resumed_total 0.0")
                    .contains("ferry_migrations_completed_total 0.0");
            assertThat(server.server().sessionCount()).isZero();
        }
    }

    @Test
    void withMigrationDisabledTheWarmUpLeavesTheMigrationOut(RedisServer redis) throws Exception {
        try (ReferenceServer server = ReferenceServer.start(ServerConfig.fromEnvironment(env(
                "FERRY_STORE_URI",
                redis.uri(),
                "FERRY_WARMUP_ITERATIONS",
                "5",
                "FERRY_IDLE_MIGRATION_TIMER",
                "0",
                "FERRY_SESSION_IDLE_TIMER",
                "0")))) {
            WarmUp.Result result = server.warmUp();

            assertThat(result.failed()).isZero();
            assertThat(result.completed()).isEqualTo(5);
            assertThat(get(server, "/healthz/ready").statusCode()).isEqualTo(200);
            assertThat(server.warmUpMigrations()).isZero();
            assertThat(get(server, "/metrics").body())
                    .contains("ferry_warmup_iterations 5.0")
                    .contains("ferry_migrations_requested_total 0.0");
        }
    }

    @Test
    void withoutTheVariableThereIsNoWarmUp(RedisServer redis) throws Exception {
        try (ReferenceServer server =
                ReferenceServer.start(ServerConfig.fromEnvironment(env("FERRY_STORE_URI", redis.uri())))) {
            assertThat(get(server, "/healthz/ready").statusCode()).isEqualTo(200);
            assertThat(server.warmUp().completed()).isZero();
            assertThat(get(server, "/metrics").body())
                    .contains("ferry_warmup_iterations 0.0")
                    .contains("ferry_warmup_seconds 0.0");
        }
    }

    @Test
    void theVariablesAreChecked() {
        ServerConfig defaults = ServerConfig.fromEnvironment(env());
        assertThat(defaults.warmUpIterations()).isZero();
        assertThat(defaults.warmUpAtMost()).isEqualTo(Duration.ofSeconds(10));
        ServerConfig set =
                ServerConfig.fromEnvironment(env("FERRY_WARMUP_ITERATIONS", "300", "FERRY_WARMUP_MAX_SECONDS", "7"));
        assertThat(set.warmUpIterations()).isEqualTo(300);
        assertThat(set.warmUpAtMost()).isEqualTo(Duration.ofSeconds(7));
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(env("FERRY_WARMUP_ITERATIONS", "-1")))
                .hasMessageContaining("FERRY_WARMUP_ITERATIONS must be an integer in 0..100000");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(env("FERRY_WARMUP_MAX_SECONDS", "0")))
                .hasMessageContaining("FERRY_WARMUP_MAX_SECONDS must be an integer in 1..3600");
    }

    @Test
    void theWarmUpReachesAServerListeningOnEveryAddressThroughLoopback() {
        assertThat(ReferenceWarmUp.loopbackAddress(new InetSocketAddress("0.0.0.0", 7000)))
                .isEqualTo("127.0.0.1:7000");
        assertThat(ReferenceWarmUp.loopbackAddress(new InetSocketAddress("127.0.0.2", 7100)))
                .isEqualTo("127.0.0.2:7100");
    }

    private static Map<String, String> env(String... keyValues) {
        Map<String, String> env = new HashMap<>();
        env.put("FERRY_SERVER_NAME", "warm");
        env.put("FERRY_PORT", "0");
        env.put("FERRY_ADMIN_PORT", "0");
        env.put("FERRY_ADMIN_INSECURE", "true");
        for (int i = 0; i < keyValues.length; i += 2) env.put(keyValues[i], keyValues[i + 1]);
        return env;
    }

    private static HttpResponse<String> get(ReferenceServer server, String path)
            throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + server.adminAddress().getPort() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
