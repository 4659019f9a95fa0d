package dev.ferry.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Liveness, readiness (serving + store ping, cached) and the Prometheus endpoint. */
class AdminHealthTest {

    @Test
    void livenessIsUp() {
        try (AdminTestServer t = AdminTestServer.start()) {
            HttpResponse<String> r = t.send("GET", "/healthz/live", null, null);

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(AdminTestServer.json(r).get("status").asText()).isEqualTo("UP");
        }
    }

    @Test
    void readyWhileServingThenNotReadyWhileDrainingThenReadyAgainAfterCancel() {
        try (AdminTestServer t = AdminTestServer.start()) {
            assertThat(t.send("GET", "/healthz/ready", null, null).statusCode()).isEqualTo(200);

            assertThat(t.send("POST", "/v1/drain", "{\"targets\":[\"127.0.0.1:7001\"],\"ratePerSecond\":0}")
                            .statusCode())
                    .isEqualTo(202);
            HttpResponse<String> draining = t.send("GET", "/healthz/ready", null, null);

            assertThat(draining.statusCode()).isEqualTo(503);
            JsonNode body = AdminTestServer.json(draining);
            assertThat(body.get("status").asText()).isEqualTo("NOT_READY");
            assertThat(body.get("error").asText()).contains("draining");

            assertThat(t.send("DELETE", "/v1/drain", null).statusCode()).isEqualTo(200);
            assertThat(t.send("GET", "/healthz/ready", null, null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void notReadyWhenTheStoreFailsItsPing() {
        try (AdminTestServer t = AdminTestServer.start(b -> b.storePingCacheTtl(Duration.ZERO))) {
            t.store.pingMode(PingableStore.PingMode.FAIL);

            HttpResponse<String> r = t.send("GET", "/healthz/ready", null, null);

            assertThat(r.statusCode()).isEqualTo(503);
            JsonNode body = AdminTestServer.json(r);
            assertThat(body.get("store").asText()).isEqualTo("DOWN");
            assertThat(body.get("error").asText()).contains("unreachable").contains("connection refused");
        }
    }

    @Test
    void notReadyWhenTheStoreDoesNotAnswerWithinTheTimeout() {
        try (AdminTestServer t = AdminTestServer.start(b -> b.storePingTimeout(Duration.ofMillis(100)))) {
            t.store.pingMode(PingableStore.PingMode.HANG);

            HttpResponse<String> r = t.send("GET", "/healthz/ready", null, null);

            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(AdminTestServer.json(r).get("error").asText()).contains("did not answer a ping within 100 ms");
        }
    }

    @Test
    void storePingResultIsReusedWithinTheCachePeriod() {
        try (AdminTestServer t = AdminTestServer.start(b -> b.storePingCacheTtl(Duration.ofMinutes(5)))) {
            int before = t.store.pings();
            for (int i = 0; i < 5; i++) {
                assertThat(t.send("GET", "/healthz/ready", null, null).statusCode())
                        .isEqualTo(200);
            }

            assertThat(t.store.pings() - before).isEqualTo(1);
        }
    }

    @Test
    void metricsArePrometheusText() {
        try (AdminTestServer t = AdminTestServer.start()) {
            HttpResponse<String> r = t.send("GET", "/metrics", null, null);

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            assertThat(r.body()).contains("# TYPE ferry_sessions gauge").contains("ferry_sessions{state=\"NONE\"}");
        }
    }
}
