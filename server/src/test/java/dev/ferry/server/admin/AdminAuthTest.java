package dev.ferry.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Everything but health and metrics needs the bearer token; a refused request changes nothing. */
class AdminAuthTest {
    private AdminTestServer t;

    @BeforeEach
    void start() {
        t = AdminTestServer.start();
    }

    @AfterEach
    void stop() {
        t.close();
    }

    static Stream<Arguments> protectedEndpoints() {
        List<String[]> endpoints = List.of(
                new String[] {"GET", "/v1/status", null},
                new String[] {"GET", "/v1/sessions", null},
                new String[] {"GET", "/v1/drain", null},
                new String[] {"POST", "/v1/drain", "{\"targets\":[\"127.0.0.1:7001\"],\"ratePerSecond\":0}"},
                new String[] {"DELETE", "/v1/drain", null},
                new String[] {"POST", "/v1/migrate", "{\"count\":1,\"targets\":[\"127.0.0.1:7001\"]}"},
                new String[] {"GET", "/v1/peers", null},
                new String[] {"PUT", "/v1/peers", "{\"peers\":[\"127.0.0.1:7001\"]}"});
        // Each endpoint with: no header, a wrong token, a token of another length, the wrong scheme.
        return endpoints.stream()
                .flatMap(e -> Stream.of(
                        Arguments.of(e[0], e[1], e[2], null),
                        Arguments.of(e[0], e[1], e[2], "Bearer wrong-token-7f3a9d"),
                        Arguments.of(e[0], e[1], e[2], "Bearer " + AdminTestServer.TOKEN + "x"),
                        Arguments.of(e[0], e[1], e[2], "Basic " + AdminTestServer.TOKEN)));
    }

    @ParameterizedTest(name = "{0} {1} with Authorization={3}")
    @MethodSource("protectedEndpoints")
    void protectedEndpointRefusesAMissingOrWrongToken(String method, String path, String body, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(t.uri(path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        if (authorization != null) b.header("Authorization", authorization);

        HttpResponse<String> r = t.send(b.build());

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode error = AdminTestServer.json(r);
        assertThat(error.get("error").asText()).contains("Authorization").doesNotContain(AdminTestServer.TOKEN);
        // Refused means nothing happened.
        assertThat(t.server.isServing()).isTrue();
        assertThat(t.server.currentDrain()).isEmpty();
        assertThat(t.server.peers()).isEmpty();
    }

    static Stream<Arguments> protectedEndpointsWithAWrongAdminTokenHeader() {
        // Each endpoint with X-Ferry-Admin-Token wrong, of another length, or in the Bearer form (the header takes the
        // bare token); alone, and next to a right Authorization header (every header present must be right).
        return protectedEndpoints()
                .filter(a -> a.get()[3] == null)
                .flatMap(a -> Stream.of(
                                "wrong-token-7f3a9d", AdminTestServer.TOKEN + "x", "Bearer " + AdminTestServer.TOKEN)
                        .flatMap(token -> Stream.of(
                                Arguments.of(a.get()[0], a.get()[1], a.get()[2], token, null),
                                Arguments.of(
                                        a.get()[0],
                                        a.get()[1],
                                        a.get()[2],
                                        token,
                                        "Bearer " + AdminTestServer.TOKEN))));
    }

    @ParameterizedTest(name = "{0} {1} with X-Ferry-Admin-Token={3} and Authorization={4}")
    @MethodSource("protectedEndpointsWithAWrongAdminTokenHeader")
    void aWrongAdminTokenHeaderIsRefused(
            String method, String path, String body, String adminToken, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(t.uri(path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        b.header("X-Ferry-Admin-Token", adminToken);
        if (authorization != null) b.header("Authorization", authorization);

        HttpResponse<String> r = t.send(b.build());

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).contains("invalid_token"));
        assertThat(AdminTestServer.json(r).get("error").asText())
                .contains("X-Ferry-Admin-Token")
                .doesNotContain(AdminTestServer.TOKEN);
        assertThat(t.server.isServing()).isTrue();
        assertThat(t.server.currentDrain()).isEmpty();
        assertThat(t.server.peers()).isEmpty();
    }

    @Test
    void theAdminTokenHeaderAloneIsAccepted() {
        HttpResponse<String> status = t.send(HttpRequest.newBuilder(t.uri("/v1/status"))
                .header("X-Ferry-Admin-Token", AdminTestServer.TOKEN)
                .build());
        HttpResponse<String> peers = t.send(HttpRequest.newBuilder(t.uri("/v1/peers"))
                .header("x-ferry-admin-token", " " + AdminTestServer.TOKEN + " ")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"peers\":[\"127.0.0.1:7001\"]}"))
                .build());

        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(AdminTestServer.json(status).get("serving").asBoolean()).isTrue();
        assertThat(peers.statusCode()).as("header names are case-insensitive").isEqualTo(200);
        assertThat(t.server.peers()).containsExactly("127.0.0.1:7001");
    }

    @Test
    void bothHeadersWithTheRightTokenAreAccepted() {
        HttpResponse<String> r = t.send(HttpRequest.newBuilder(t.uri("/v1/sessions"))
                .header("Authorization", "Bearer " + AdminTestServer.TOKEN)
                .header("X-Ferry-Admin-Token", AdminTestServer.TOKEN)
                .build());

        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void aWrongAuthorizationIsRefusedEvenWithARightAdminTokenHeader() {
        HttpResponse<String> r = t.send(HttpRequest.newBuilder(t.uri("/v1/status"))
                .header("Authorization", "Bearer wrong-token-7f3a9d")
                .header("X-Ferry-Admin-Token", AdminTestServer.TOKEN)
                .build());

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(AdminTestServer.json(r).get("error").asText()).contains("Authorization");
    }

    @Test
    void aMissingTokenNamesBothHeaders() {
        HttpResponse<String> r = t.send(HttpRequest.newBuilder(t.uri("/v1/status"))
                .header("X-Ferry-Admin-Token", " ")
                .build());

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(AdminTestServer.json(r).get("error").asText())
                .contains("missing admin token")
                .contains("Authorization: Bearer")
                .contains("X-Ferry-Admin-Token");
    }

    @Test
    void insecureNoAuthIgnoresTheAdminTokenHeader() {
        try (AdminTestServer open = AdminTestServer.start(AdminOptions.Builder::insecureNoAuth)) {
            HttpResponse<String> r = open.send(HttpRequest.newBuilder(open.uri("/v1/status"))
                    .header("X-Ferry-Admin-Token", "anything")
                    .build());

            assertThat(r.statusCode()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/healthz/live", "/healthz/ready", "/metrics"})
    void healthAndMetricsNeedNoToken(String path) {
        HttpResponse<String> r = t.send("GET", path, null, null);

        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void theRightTokenIsAccepted() {
        assertThat(t.get("/v1/status").statusCode()).isEqualTo(200);
    }

    @Test
    void theSchemeNameIsCaseInsensitive() {
        HttpResponse<String> r = t.send(HttpRequest.newBuilder(t.uri("/v1/sessions"))
                .header("Authorization", "bearer " + AdminTestServer.TOKEN)
                .build());

        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void insecureNoAuthLetsEveryoneIn() {
        try (AdminTestServer open = AdminTestServer.start(AdminOptions.Builder::insecureNoAuth)) {
            HttpResponse<String> r = open.send("PUT", "/v1/peers", "{\"peers\":[\"127.0.0.1:7001\"]}", null);

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(open.server.peers()).containsExactly("127.0.0.1:7001");
        }
    }

    @Test
    void aTokenIsRequiredUnlessAuthIsExplicitlyOff() {
        assertThatThrownBy(() -> AdminOptions.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("insecureNoAuth");
        assertThatThrownBy(() -> AdminOptions.builder().bearerToken(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThat(AdminOptions.builder().bearerToken("s3cret").build().toString())
                .doesNotContain("s3cret");
    }
}
