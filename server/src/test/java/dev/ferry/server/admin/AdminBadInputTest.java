package dev.ferry.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every refusal is JSON with a message that says what is wrong, and changes nothing. */
class AdminBadInputTest {
    private AdminTestServer t;

    @BeforeEach
    void start() {
        t = AdminTestServer.start(b -> b.maxBodyBytes(4096));
    }

    @AfterEach
    void stop() {
        t.close();
    }

    private static String error(HttpResponse<String> r) {
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        return AdminTestServer.json(r).get("error").asText();
    }

    @Test
    void oversizedBodyGets413AndTheConnectionStaysUsable() {
        String big = "{\"peers\":[\"" + "a".repeat(5000) + ":1\"]}";

        HttpResponse<String> r = t.send("PUT", "/v1/peers", big);

        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(error(r)).contains("larger than the limit of 4096 bytes");
        assertThat(t.server.peers()).isEmpty();
        assertThat(t.get("/v1/peers").statusCode()).isEqualTo(200);
    }

    @Test
    void malformedJsonGets400SayingWhereItBroke() {
        HttpResponse<String> r = t.send("POST", "/v1/drain", "{\"targets\": [\"127.0.0.1:7001\",, }");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r)).contains("not valid JSON").contains("line 1, column");
        assertThat(t.server.isServing()).isTrue();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            POST | /v1/drain   | {"targets":["127.0.0.1:7001"],"rate":5}                 | unknown field 'rate'
            POST | /v1/drain   | {"targets":["127.0.0.1:7001"]}                          | field 'ratePerSecond' is required
            POST | /v1/drain   | {"targets":["127.0.0.1:7001"],"ratePerSecond":"fast"}   | field 'ratePerSecond' must be a number
            POST | /v1/drain   | {"targets":["127.0.0.1:7001"],"ratePerSecond":-1}       | field 'ratePerSecond' must be a number
            POST | /v1/drain   | {"targets":[],"ratePerSecond":1}                        | field 'targets' must hold 1 to 16 entries
            POST | /v1/drain   | {"targets":"127.0.0.1:7001","ratePerSecond":1}          | field 'targets' must be a list
            POST | /v1/drain   | {"targets":[7001],"ratePerSecond":1}                    | field 'targets[0]' must be a string
            POST | /v1/drain   | {"targets":["127.0.0.1"],"ratePerSecond":1}             | field 'targets[0]' must be "host:port"
            POST | /v1/drain   | {"targets":["127.0.0.1:0"],"ratePerSecond":1}           | port must be a number from 1 to 65535
            POST | /v1/drain   | {"targets":["h:65536"],"ratePerSecond":1}               | port must be a number from 1 to 65535
            POST | /v1/drain   | {"targets":["fd00::1:7000"],"ratePerSecond":1}          | IPv6 host must be in brackets
            POST | /v1/drain   | [1,2]                                                   | must be a JSON object
            POST | /v1/drain   | {"targets":["a:1"],"targets":["b:2"],"ratePerSecond":1} | Duplicate field 'targets'
            POST | /v1/migrate | {"targets":["127.0.0.1:7001"]}                          | give exactly one of them
            POST | /v1/migrate | {"count":1,"sessions":["00"],"targets":["a:1"]}         | give exactly one of them
            POST | /v1/migrate | {"count":1.5,"targets":["127.0.0.1:7001"]}              | field 'count' must be a whole number
            POST | /v1/migrate | {"count":0,"targets":["127.0.0.1:7001"]}                | field 'count' must be a whole number from 1
            POST | /v1/migrate | {"sessions":["xyz"],"targets":["127.0.0.1:7001"]}       | field 'sessions[0]' must be a session ID of 32 hex digits
            PUT  | /v1/peers   | {"peers":null}                                          | field 'peers' is required
            PUT  | /v1/peers   | {}                                                      | field 'peers' is required
            """)
    void wrongFieldsGet400NamingTheField(String method, String path, String body, String expected) {
        HttpResponse<String> r = t.send(method, path, body);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r)).contains(expected).contains("e.g.");
        assertThat(t.server.isServing()).isTrue();
        assertThat(t.server.metrics().migrationsRequested()).isZero();
        assertThat(t.server.peers()).isEmpty();
    }

    @Test
    void anEmptyBodyIsRefusedWithAnExample() {
        HttpRequest request = HttpRequest.newBuilder(t.uri("/v1/drain"))
                .header("Authorization", "Bearer " + AdminTestServer.TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();

        HttpResponse<String> r = t.send(request);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r)).contains("request body is empty").contains("ratePerSecond");
    }

    @Test
    void aNonJsonContentTypeGets415() {
        HttpRequest request = HttpRequest.newBuilder(t.uri("/v1/peers"))
                .header("Authorization", "Bearer " + AdminTestServer.TOKEN)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .PUT(HttpRequest.BodyPublishers.ofString("peers=a:1"))
                .build();

        HttpResponse<String> r = t.send(request);

        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(error(r)).contains("Content-Type: application/json");
    }

    @Test
    void unknownPathGets404() {
        HttpResponse<String> r = t.get("/v1/nope?x=1");

        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(error(r)).contains("no such endpoint: /v1/nope").contains("/v1/status");
    }

    @Test
    void wrongMethodGets405WithAllow() {
        HttpResponse<String> r = t.send("PATCH", "/v1/drain", "{}");

        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValue("GET, POST, DELETE");
        assertThat(error(r)).contains("PATCH is not allowed");
    }

    @Test
    void aBodyOnGetIsIgnored() {
        HttpResponse<String> r = t.send("GET", "/v1/status", "this is not json");

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode status = AdminTestServer.json(r);
        assertThat(status.get("name").asText()).isEqualTo("admin-test");
    }

    @Test
    void tooManyChangingRequestsGet429WithRetryAfter() {
        // One token, refilled once every 100 s: the second request cannot get one.
        try (AdminTestServer slow = AdminTestServer.start(b -> b.requestsPerSecond(0.01))) {
            assertThat(slow.send("PUT", "/v1/peers", "{\"peers\":[\"a:1\"]}").statusCode())
                    .isEqualTo(200);

            HttpResponse<String> r = slow.send("PUT", "/v1/peers", "{\"peers\":[\"b:2\"]}");

            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("Retry-After"))
                    .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 100L));
            assertThat(error(r)).contains("retry after");
            assertThat(slow.server.peers()).containsExactly("a:1");
            // Reads are not limited.
            assertThat(slow.get("/v1/peers").statusCode()).isEqualTo(200);
        }
    }
}
