package dev.ferry.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** The server admin API over HTTP, as the operator uses it: bearer token, JSON bodies. */
final class AdminClient {
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final String base;
    private final String token;

    AdminClient(String hostPort, String token) {
        this.base = "http://" + hostPort;
        this.token = token;
    }

    /** POST /v1/drain; expects 202. */
    JsonNode drain(List<String> targets, double ratePerSecond) throws IOException, InterruptedException {
        ObjectNode body = WorkerProtocol.JSON.createObjectNode();
        targets.forEach(body.putArray("targets")::add);
        body.put("ratePerSecond", ratePerSecond);
        return call("POST", "/v1/drain", body.toString(), 202);
    }

    /** DELETE /v1/drain: the server serves again. */
    JsonNode cancelDrain() throws IOException, InterruptedException {
        return call("DELETE", "/v1/drain", null, 200);
    }

    JsonNode status() throws IOException, InterruptedException {
        return call("GET", "/v1/status", null, 200);
    }

    /** GET /metrics (Prometheus text; no token needed). */
    String metrics() throws IOException, InterruptedException {
        HttpResponse<String> r = send(
                HttpRequest.newBuilder(URI.create(base + "/metrics"))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                true);
        if (r.statusCode() != 200) throw new IOException("GET /metrics on " + base + ": HTTP " + r.statusCode());
        return r.body();
    }

    /**
     * The admin server closes a keep-alive connection after its idle timeout; a request that raced
     * with that close finds no answer on the pooled connection. Such a request never reached the
     * server, so an idempotent one is sent once more on a fresh connection.
     */
    private HttpResponse<String> send(HttpRequest request, boolean idempotent)
            throws IOException, InterruptedException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            if (!idempotent) throw e;
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    private JsonNode call(String method, String path, String json, int expected)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token);
        if (json != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r = send(b.build(), !method.equals("POST"));
        if (r.statusCode() != expected) {
            throw new IOException(method + " " + path + " on " + base + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return r.body().isBlank() ? WorkerProtocol.JSON.createObjectNode() : WorkerProtocol.JSON.readTree(r.body());
    }
}
