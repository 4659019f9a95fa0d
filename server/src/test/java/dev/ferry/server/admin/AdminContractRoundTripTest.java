package dev.ferry.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.admin.api.AdminJson;
import dev.ferry.admin.api.AdminPaths;
import dev.ferry.admin.api.CancelDrainResponse;
import dev.ferry.admin.api.CurrentDrainResponse;
import dev.ferry.admin.api.DrainRequest;
import dev.ferry.admin.api.DrainStatus;
import dev.ferry.admin.api.ErrorResponse;
import dev.ferry.admin.api.MigrateRequest;
import dev.ferry.admin.api.MigrateResponse;
import dev.ferry.admin.api.PeersRequest;
import dev.ferry.admin.api.PeersResponse;
import dev.ferry.admin.api.ReadinessResponse;
import dev.ferry.admin.api.StatusResponse;
import dev.ferry.protocol.Frame;
import dev.ferry.server.WireClient;
import dev.ferry.testkit.Waits;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real AdminServer over real HTTP: every answer, successes and errors, is what the OpenAPI
 * document says for its operation and status (checked against the document's schema), reads
 * strictly into the contract record the document names (no unknown fields), and reads back into
 * the same JSON; every request the callers build from the contract's records is accepted.
 */
class AdminContractRoundTripTest {
    private static final String PEER = "127.0.0.1:7999";
    private static final String UNKNOWN_ID = "0123456789abcdef0123456789abcdef";

    private final OpenApiDocument doc = OpenApiDocument.load();
    private final List<WireClient> clients = new ArrayList<>();
    private AdminTestServer t;

    @BeforeEach
    void start() {
        t = AdminTestServer.start();
    }

    @AfterEach
    void stop() {
        clients.forEach(WireClient::close);
        t.close();
    }

    private Frame.Welcome connect() {
        WireClient c = WireClient.connect(t.server.localAddress());
        clients.add(c);
        return c.hello();
    }

    @Test
    void everyEndpointAnswersItsContractThroughADrainAndBack() {
        Frame.Welcome first = connect();
        connect();
        connect();
        await().atMost(Waits.STATE).until(() -> t.server.sessionCount() == 3);

        conforms("GET", "/healthz/live", null, 200);
        assertThat(conforms("GET", "/healthz/ready", null, 200, ReadinessResponse.class)
                        .status())
                .isEqualTo(ReadinessResponse.Readiness.READY);
        HttpResponse<String> metrics = conforms("GET", "/metrics", null, 200);
        assertThat(metrics.body()).contains("ferry_");
        StatusResponse idle = conforms("GET", "/v1/status", null, 200, StatusResponse.class);
        assertThat(idle.sessions().total()).isEqualTo(3);
        assertThat(idle.drain()).isNull();
        assertThat(idle.tls().enabled()).isFalse();
        conforms("GET", "/v1/sessions", null, 200);
        assertThat(conforms("GET", "/v1/drain", null, 200, CurrentDrainResponse.class)
                        .drain())
                .isNull();
        assertThat(conforms("GET", "/v1/peers", null, 200, PeersResponse.class).peers())
                .isEmpty();

        // The bodies the operator, the benchmarks and kubectl ferry send, built from the contract.
        assertThat(conforms(
                                "PUT",
                                "/v1/peers",
                                new PeersRequest(List.of(PEER, "[fd00::1]:7000")),
                                200,
                                PeersResponse.class)
                        .peers())
                .containsExactly(PEER, "[fd00::1]:7000");
        MigrateResponse byCount =
                conforms("POST", "/v1/migrate", MigrateRequest.ofCount(1, List.of(PEER)), 200, MigrateResponse.class);
        assertThat(byCount.requested()).isEqualTo(1);
        assertThat(byCount.notFound()).isNull();
        MigrateResponse byId = conforms(
                "POST",
                "/v1/migrate",
                MigrateRequest.ofSessions(List.of(first.sessionId().toString(), UNKNOWN_ID), List.of(PEER)),
                200,
                MigrateResponse.class);
        assertThat(byId.notFound()).containsExactly(UNKNOWN_ID);
        DrainStatus started =
                conforms("POST", "/v1/drain", new DrainRequest(List.of(PEER), 500), 202, DrainStatus.class);
        assertThat(started.targets()).containsExactly(PEER);
        assertThat(started.ratePerSecond()).isEqualTo(500);

        await().atMost(Waits.STATE)
                .until(() -> t.server.currentDrain().orElseThrow().notYetRequested() == 0);
        StatusResponse draining = conforms("GET", "/v1/status", null, 200, StatusResponse.class);
        assertThat(draining.serving()).isFalse();
        assertThat(draining.draining()).isTrue();
        assertThat(draining.drain().finished()).isTrue();
        assertThat(conforms("GET", "/v1/drain", null, 200, CurrentDrainResponse.class)
                        .drain())
                .usingRecursiveComparison()
                .ignoringFields("elapsedMillis")
                .isEqualTo(draining.drain());
        assertThat(conforms("GET", "/healthz/ready", null, 503, ReadinessResponse.class)
                        .error())
                .contains("draining");
        conforms("DELETE", "/v1/drain", null, 200, CancelDrainResponse.class);
        conforms("POST", "/v1/drain", new DrainRequest(List.of(PEER, "[fd00::1]:7000"), 0.5), 202);
        conforms("DELETE", "/v1/drain", null, 200);
        t.store.pingMode(PingableStore.PingMode.FAIL);
        await().atMost(Waits.STATE)
                .untilAsserted(() -> assertThat(conforms("GET", "/healthz/ready", null, 503, ReadinessResponse.class)
                                .store())
                        .isEqualTo(ReadinessResponse.StoreState.DOWN));
    }

    @Test
    void everyRefusalIsADocumentedErrorResponse() {
        assertThat(conforms("GET", "/v1/status", null, 401, ErrorResponse.class, null)
                        .error())
                .contains("missing admin token");
        assertThat(conforms("POST", "/v1/drain", "{\"targets\":[],\"ratePerSecond\":1}", 400, ErrorResponse.class)
                        .error())
                .contains("field 'targets' must hold 1 to 16 entries");
        assertThat(conforms("POST", "/v1/migrate", "{\"targets\":[\"a:1\"]}", 400, ErrorResponse.class)
                        .error())
                .contains("neither field 'count' nor 'sessions'");
        assertThat(conforms(
                                "PUT",
                                "/v1/peers",
                                "{\"peers\":[\"" + "a".repeat(70_000) + ":1\"]}",
                                413,
                                ErrorResponse.class)
                        .error())
                .contains("larger than the limit");

        HttpResponse<String> notJson = t.send(HttpRequest.newBuilder(t.uri("/v1/peers"))
                .header("Authorization", "Bearer " + AdminTestServer.TOKEN)
                .header("Content-Type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofString("peers=a:1"))
                .build());
        checkAnswer("PUT", "/v1/peers", notJson, 415, ErrorResponse.class);

        // Not tied to one operation: the document describes them once, with the same body.
        for (HttpResponse<String> r : List.of(t.get("/v1/nope"), t.send("PATCH", "/v1/drain", "{}"))) {
            assertThat(r.statusCode()).isIn(404, 405);
            assertThat(doc.problems(AdminTestServer.json(r), schema("ErrorResponse")))
                    .isEmpty();
            AdminJson.readStrict(r.body(), ErrorResponse.class);
        }

        try (AdminTestServer slow = AdminTestServer.start(b -> b.requestsPerSecond(0.01))) {
            AdminTestServer saved = t;
            t = slow;
            try {
                conforms("DELETE", "/v1/drain", null, 200);
                HttpResponse<String> limited = conforms("DELETE", "/v1/drain", null, 429);
                assertThat(limited.headers().firstValue("Retry-After")).isPresent();
            } finally {
                t = saved;
            }
        }
    }

    private JsonNode schema(String name) {
        return doc.root.path("components").path("schemas").path(name);
    }

    private HttpResponse<String> conforms(String method, String path, Object body, int status) {
        return conforms(method, path, body, status, null, AdminTestServer.TOKEN, null);
    }

    private <T> T conforms(String method, String path, Object body, int status, Class<T> type) {
        return conforms(method, path, body, status, type, AdminTestServer.TOKEN);
    }

    private <T> T conforms(String method, String path, Object body, int status, Class<T> type, String token) {
        Object[] parsed = new Object[1];
        conforms(method, path, body, status, type, token, parsed);
        return type.cast(parsed[0]);
    }

    /** Sends the request (a record goes as the contract's JSON) and checks the answer against the document. */
    private HttpResponse<String> conforms(
            String method, String path, Object body, int status, Class<?> type, String token, Object[] parsed) {
        String json = body == null ? null : body instanceof String s ? s : AdminJson.toJson(body);
        if (body instanceof Record) {
            JsonNode schema = doc.operation(method, path).requestSchema();
            assertThat(doc.problems(AdminTestServer.json(json), schema))
                    .as("%s %s request body %s", method, path, json)
                    .isEmpty();
        }
        HttpResponse<String> r = t.send(method, path, json, token);
        Object read = checkAnswer(method, path, r, status, type);
        if (parsed != null) parsed[0] = read;
        return r;
    }

    private Object checkAnswer(String method, String path, HttpResponse<String> r, int status, Class<?> type) {
        String call = method + " " + path;
        assertThat(r.statusCode()).as("%s answered %s", call, r.body()).isEqualTo(status);
        JsonNode documented = doc.operation(method, path).response(doc, status);
        assertThat(documented).as("%s documents %d", call, status).isNotNull();
        String mediaType = documented.path("content").fieldNames().next();
        assertThat(r.headers().firstValue("Content-Type")).as(call).hasValue(mediaType);
        if (!mediaType.equals(AdminPaths.JSON)) return null;
        JsonNode schemaRef = documented.path("content").path(mediaType).path("schema");
        JsonNode answer = AdminTestServer.json(r);
        assertThat(doc.problems(answer, schemaRef))
                .as("%s answer %s", call, r.body())
                .isEmpty();
        Class<?> contract = contractType(OpenApiDocument.schemaName(schemaRef));
        if (type != null)
            assertThat(contract)
                    .as("%s answers a %s", call, contract.getSimpleName())
                    .isEqualTo(type);
        Object read = AdminJson.readStrict(r.body(), contract);
        assertThat(AdminTestServer.json(AdminJson.toJson(read)))
                .as("%s: the record holds the whole answer", call)
                .isEqualTo(answer);
        return read;
    }

    /** The contract record a schema of the document names. */
    private static Class<?> contractType(String schemaName) {
        try {
            return Class.forName(AdminJson.class.getPackageName() + "." + schemaName);
        } catch (ClassNotFoundException e) {
            throw new AssertionError("no contract record " + schemaName, e);
        }
    }
}
