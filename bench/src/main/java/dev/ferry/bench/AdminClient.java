package dev.ferry.bench;

import dev.ferry.admin.api.AdminJson;
import dev.ferry.admin.api.AdminPaths;
import dev.ferry.admin.api.CancelDrainResponse;
import dev.ferry.admin.api.DrainRequest;
import dev.ferry.admin.api.DrainStatus;
import dev.ferry.admin.api.StatusResponse;
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
    DrainStatus drain(List<String> targets, double ratePerSecond) throws IOException, InterruptedException {
        return call("POST", AdminPaths.DRAIN, new DrainRequest(targets, ratePerSecond), 202, DrainStatus.class);
    }

    /** DELETE /v1/drain: the server serves again. */
    CancelDrainResponse cancelDrain() throws IOException, InterruptedException {
        return call("DELETE", AdminPaths.DRAIN, null, 200, CancelDrainResponse.class);
    }

    StatusResponse status() throws IOException, InterruptedException {
        return call("GET", AdminPaths.STATUS, null, 200, StatusResponse.class);
    }

    /** GET /metrics (Prometheus text; no token needed). */
    String metrics() throws IOException, InterruptedException {
        HttpResponse<String> r = send(
                HttpRequest.newBuilder(URI.create(base + AdminPaths.METRICS))
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

    private <T> T call(String method, String path, Record body, int expected, Class<T> answer)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token);
        if (body != null) {
            b.header("Content-Type", AdminPaths.JSON)
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(AdminJson.toBytes(body)));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r = send(b.build(), !method.equals("POST"));
        if (r.statusCode() != expected) {
            throw new IOException(method + " " + path + " on " + base + ": HTTP " + r.statusCode() + " " + r.body());
        }
        try {
            return AdminJson.read(r.body(), answer);
        } catch (IllegalArgumentException e) {
            throw new IOException(method + " " + path + " on " + base + ": " + e.getMessage(), e);
        }
    }
}
