package dev.ferry.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Request;
import dev.ferry.server.ServerOptions;
import dev.ferry.server.Session;
import dev.ferry.server.SessionHandler;
import dev.ferry.store.InMemoryContextStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * A real {@link FerryServer} on an in-memory store with its {@link AdminServer}, and a real HTTP
 * client for it. Close it at the end of every test.
 */
final class AdminTestServer implements AutoCloseable {
    static final String TOKEN = "test-admin-token-7f3a9c";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    final PingableStore store;
    final FerryServer server;
    final AdminServer admin;
    final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private AdminTestServer(UnaryOperator<AdminOptions.Builder> options) {
        this.store = new PingableStore(new InMemoryContextStore());
        this.server = FerryServer.start(ServerOptions.builder()
                .serverName("admin-test")
                .contextStore(store)
                .handler(new DoneHandler())
                .build());
        try {
            this.admin = AdminServer.start(
                    options.apply(AdminOptions.builder().bearerToken(TOKEN)).build(), server, store);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    static AdminTestServer start() {
        return new AdminTestServer(b -> b);
    }

    static AdminTestServer start(UnaryOperator<AdminOptions.Builder> options) {
        return new AdminTestServer(options);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + admin.localAddress().getPort() + path);
    }

    HttpResponse<String> get(String path) {
        return send("GET", path, null, TOKEN);
    }

    HttpResponse<String> send(String method, String path, String body) {
        return send(method, path, body, TOKEN);
    }

    /** @param token null sends no Authorization header */
    HttpResponse<String> send(String method, String path, String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(10))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        if (token != null) b.header("Authorization", "Bearer " + token);
        return send(b.build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> response) {
        return json(response.body());
    }

    static JsonNode json(String body) {
        try {
            return MAPPER.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    @Override
    public void close() {
        try {
            admin.close();
        } finally {
            server.close();
            store.close();
            http.close();
        }
    }

    /** The least an application can be: every command just ends. */
    static final class DoneHandler implements SessionHandler {
        @Override
        public void onCommand(Session session, Request request) {
            request.done();
        }

        @Override
        public void onMigrateResume(Session session, Request request) {
            request.done();
        }
    }
}
