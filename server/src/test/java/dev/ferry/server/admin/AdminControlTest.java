package dev.ferry.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.protocol.Frame;
import dev.ferry.server.Drain;
import dev.ferry.server.MigrationState;
import dev.ferry.server.WireClient;
import dev.ferry.testkit.Waits;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Drain, cancel, migrate and peers, with live sessions; every effect is checked on the FerryServer. */
class AdminControlTest {
    private static final String PEER = "127.0.0.1:7999";

    private AdminTestServer t;
    private final List<WireClient> clients = new ArrayList<>();

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
    void drainAsksEverySessionToMigrateAndStopsServing() {
        connect();
        connect();
        await().atMost(Waits.STATE).until(() -> t.server.sessionCount() == 2);

        HttpResponse<String> r = t.send("POST", "/v1/drain", "{\"targets\":[\"" + PEER + "\"],\"ratePerSecond\":500}");

        assertThat(r.statusCode()).isEqualTo(202);
        JsonNode drain = AdminTestServer.json(r);
        assertThat(drain.get("targets").get(0).asText()).isEqualTo(PEER);
        assertThat(drain.get("ratePerSecond").asDouble()).isEqualTo(500);
        assertThat(t.server.isServing()).isFalse();
        assertThat(t.server.currentDrain()).map(Drain::targets).hasValue(List.of(PEER));
        for (WireClient c : clients) {
            assertThat(c.expect(Frame.Migrate.class).targets()).containsExactly(PEER);
        }
        await().atMost(Waits.STATE)
                .until(() -> t.server.currentDrain().orElseThrow().requested() == 2);
        JsonNode status = AdminTestServer.json(t.get("/v1/status"));
        assertThat(status.get("serving").asBoolean()).isFalse();
        assertThat(status.get("drain").get("requested").asInt()).isEqualTo(2);
        assertThat(status.get("drain").get("finished").asBoolean()).isTrue();
        assertThat(status.get("writeThrough").get("enabled").asBoolean())
                .as("off unless configured")
                .isFalse();
        assertThat(status.get("writeThrough").get("attempts").asLong()).isZero();
        assertThat(AdminTestServer.json(t.get("/v1/drain"))
                        .get("drain")
                        .get("targets")
                        .get(0)
                        .asText())
                .isEqualTo(PEER);
    }

    @Test
    void cancelStopsTheDrainCallsOffMigrationsAndServesAgain() {
        connect();
        await().atMost(Waits.STATE).until(() -> t.server.sessionCount() == 1);
        assertThat(t.send("POST", "/v1/drain", "{\"targets\":[\"" + PEER + "\"],\"ratePerSecond\":0}")
                        .statusCode())
                .isEqualTo(202);
        clients.getFirst().expect(Frame.Migrate.class);

        HttpResponse<String> r = t.send("DELETE", "/v1/drain", null);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(AdminTestServer.json(r).get("cancelled").asInt()).isEqualTo(1);
        assertThat(t.server.isServing()).isTrue();
        assertThat(t.server.currentDrain())
                .hasValueSatisfying(d -> assertThat(d.cancelled()).isTrue());
        clients.getFirst().expect(Frame.MigrateCancel.class);
        await().atMost(Waits.STATE).until(() -> t.server.sessionCountsByState().get(MigrationState.CANCELLED) == 1);
    }

    @Test
    void migrateByCountAsksThatManySessions() {
        connect();
        connect();
        connect();
        await().atMost(Waits.STATE).until(() -> t.server.sessionCount() == 3);

        HttpResponse<String> r = t.send("POST", "/v1/migrate", "{\"count\":2,\"targets\":[\"" + PEER + "\"]}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(AdminTestServer.json(r).get("requested").asInt()).isEqualTo(2);
        await().atMost(Waits.STATE).until(() -> t.server.metrics().migrationsRequested() == 2);
        assertThat(t.server.isServing()).as("a rebalance is not a drain").isTrue();
    }

    @Test
    void migrateByIdAsksExactlyThoseSessionsAndReportsUnknownOnes() {
        Frame.Welcome moving = connect();
        connect();
        await().atMost(Waits.STATE).until(() -> t.server.sessionCount() == 2);
        String unknown = "0123456789abcdef0123456789abcdef";

        HttpResponse<String> r = t.send(
                "POST",
                "/v1/migrate",
                "{\"sessions\":[\"" + moving.sessionId() + "\",\"" + unknown + "\"],\"targets\":[\"" + PEER + "\"]}");

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = AdminTestServer.json(r);
        assertThat(body.get("requested").asInt()).isEqualTo(1);
        assertThat(body.get("notFound").get(0).asText()).isEqualTo(unknown);
        assertThat(clients.getFirst().expect(Frame.Migrate.class).targets()).containsExactly(PEER);
        assertThat(t.server.session(moving.sessionId()).orElseThrow().migrationState())
                .isNotEqualTo(MigrationState.NONE);
        assertThat(clients.get(1).drainReceived()).isEmpty();
    }

    @Test
    void peersCanBeSetAndRead() {
        HttpResponse<String> put = t.send("PUT", "/v1/peers", "{\"peers\":[\"10.0.0.2:7000\",\"[fd00::3]:7000\"]}");

        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(t.server.peers()).containsExactly("10.0.0.2:7000", "[fd00::3]:7000");
        JsonNode got = AdminTestServer.json(t.get("/v1/peers"));
        assertThat(got.get("peers")).hasSize(2);

        assertThat(t.send("PUT", "/v1/peers", "{\"peers\":[]}").statusCode()).isEqualTo(200);
        assertThat(t.server.peers()).isEmpty();
    }

    @Test
    void statusAndSessionsDescribeTheServer() {
        connect();
        await().atMost(Waits.STATE).until(() -> t.server.sessionCount() == 1);

        JsonNode status = AdminTestServer.json(t.get("/v1/status"));
        JsonNode sessions = AdminTestServer.json(t.get("/v1/sessions"));

        assertThat(status.get("name").asText()).isEqualTo("admin-test");
        assertThat(status.get("advertisedAddress").asText()).isEqualTo(t.server.advertisedAddress());
        assertThat(status.get("serving").asBoolean()).isTrue();
        assertThat(status.get("sessions").get("total").asInt()).isEqualTo(1);
        assertThat(status.get("sessions").get("byState").get("NONE").asInt()).isEqualTo(1);
        assertThat(status.get("timers").get("idleMigrationSeconds").asLong()).isEqualTo(60);
        assertThat(status.get("timers").get("sessionIdleSeconds").asLong()).isEqualTo(600);
        assertThat(status.get("drain").isNull()).isTrue();
        assertThat(status.get("migrations").get("failed").asLong()).isZero();
        assertThat(status.get("migrations").has("lastFailure")).isTrue();
        assertThat(status.get("store").asText()).isEqualTo(t.server.storeDescription());
        assertThat(status.get("peers").isArray()).isTrue();
        assertThat(sessions.get("total").asInt()).isEqualTo(1);
        assertThat(sessions.get("byState").size()).isEqualTo(MigrationState.values().length);
    }
}
