package dev.ferry.operator.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.admin.api.AdminJson;
import dev.ferry.admin.api.Claims;
import dev.ferry.admin.api.DrainRequest;
import dev.ferry.admin.api.DrainStatus;
import dev.ferry.admin.api.ErrorResponse;
import dev.ferry.admin.api.MigrateRequest;
import dev.ferry.admin.api.MigrateResponse;
import dev.ferry.admin.api.Migrations;
import dev.ferry.admin.api.PeersRequest;
import dev.ferry.admin.api.PeersResponse;
import dev.ferry.admin.api.SessionCounts;
import dev.ferry.admin.api.StatusResponse;
import dev.ferry.admin.api.Timers;
import dev.ferry.admin.api.TlsStatus;
import dev.ferry.admin.api.WriteThrough;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's admin client against a loopback HTTP server that reads each request as the Ferry
 * server does (the contract's strict readers) and answers with the contract's records: what the
 * operator sends is accepted, and what a pod answers is read.
 */
class PodAdminClientTest {
    private static final String PEER = "10.0.0.2:7000";

    private record Received(String method, String path, String authorization, String contentType, byte[] body) {}

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicReference<Object> nextAnswer = new AtomicReference<>();
    private final AtomicReference<Integer> nextStatus = new AtomicReference<>(200);
    private HttpServer server;
    private PodAdminClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::answer);
        server.start();
        client = new PodAdminClient("secret", server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        received.add(new Received(
                exchange.getRequestMethod(),
                exchange.getRequestURI().getPath(),
                exchange.getRequestHeaders().getFirst("Authorization"),
                exchange.getRequestHeaders().getFirst("Content-Type"),
                body));
        byte[] answer = AdminJson.toBytes(nextAnswer.get());
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(nextStatus.get(), answer.length);
        exchange.getResponseBody().write(answer);
        exchange.close();
    }

    @Test
    void statusReadsEveryFieldTheOperatorUses() {
        Map<String, Long> byState = new LinkedHashMap<>();
        SessionCounts.STATES.forEach(s -> byState.put(s, 0L));
        byState.put("NONE", 4L);
        byState.put("MIGRATING", 2L);
        nextAnswer.set(new StatusResponse(
                "pod-0",
                "10.0.0.1:7000",
                false,
                new SessionCounts(6, byState),
                new Timers(60, 600, false),
                new DrainStatus(List.of(PEER), 500, 6, 0, 1200, false, true),
                new Migrations(7, 5, 1, 1, "timeout"),
                "redis://store:6379",
                new WriteThrough(false, 0, 0, 0),
                new Claims(0, 0, 0),
                new TlsStatus(false, 0, null),
                List.of(PEER)));

        PodAdminStatus status = client.status("127.0.0.1").join();

        assertThat(status.sessions()).isEqualTo(6);
        assertThat(status.migrationsInFlight()).isEqualTo(2);
        assertThat(status.serving()).isFalse();
        assertThat(status.drainsTo(List.of(PEER))).isTrue();
        assertThat(status.drain().finished()).isTrue();
        assertThat(status.migrationsRequested()).isEqualTo(7);
        assertThat(status.migrationsCompleted()).isEqualTo(5);
        assertThat(status.migrationsHandedOff()).isEqualTo(1);
        assertThat(status.migrationsFailed()).isEqualTo(1);
        assertThat(status.peers()).containsExactly(PEER);
        Received r = received.getFirst();
        assertThat(r.method() + " " + r.path()).isEqualTo("GET /v1/status");
        assertThat(r.authorization()).isEqualTo("Bearer secret");
    }

    @Test
    void theBodiesTheOperatorSendsAreOnesTheServerAccepts() {
        nextAnswer.set(new DrainStatus(List.of(PEER), 200, 0, 3, 0, false, false));
        assertThat(client.drain("127.0.0.1", List.of(PEER), 200).join().notYetRequested())
                .isEqualTo(3);
        nextAnswer.set(new MigrateResponse(2, null));
        assertThat(client.migrate("127.0.0.1", 2, List.of(PEER)).join().requested())
                .isEqualTo(2);
        nextAnswer.set(new PeersResponse(List.of(PEER)));
        assertThat(client.setPeers("127.0.0.1", List.of(PEER)).join().peers()).containsExactly(PEER);

        assertThat(received)
                .extracting(r -> r.method() + " " + r.path())
                .containsExactly("POST /v1/drain", "POST /v1/migrate", "PUT /v1/peers");
        assertThat(received).allSatisfy(r -> assertThat(r.contentType()).isEqualTo("application/json"));
        assertThat(DrainRequest.fromJson(received.get(0).body())).isEqualTo(new DrainRequest(List.of(PEER), 200));
        assertThat(MigrateRequest.fromJson(received.get(1).body())).isEqualTo(MigrateRequest.ofCount(2, List.of(PEER)));
        assertThat(PeersRequest.fromJson(received.get(2).body())).isEqualTo(new PeersRequest(List.of(PEER)));
    }

    @Test
    void aRefusalSaysWhatThePodAnswered() {
        nextStatus.set(409);
        nextAnswer.set(new ErrorResponse("the server cannot do that now: stopping"));

        assertThatThrownBy(() -> client.migrate("127.0.0.1", 1, List.of(PEER)).join())
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOf(PodAdminClient.AdminCallException.class)
                .hasMessageContaining("answered 409: the server cannot do that now: stopping");
    }

    @Test
    void aRequestThatBreaksTheContractFailsWithoutBeingSent() {
        assertThatThrownBy(() -> client.migrate("127.0.0.1", 0, List.of(PEER)).join())
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOf(PodAdminClient.AdminCallException.class)
                .hasMessageContaining("not sent: field 'count' must be a whole number from 1");
        assertThat(received).isEmpty();
    }
}
