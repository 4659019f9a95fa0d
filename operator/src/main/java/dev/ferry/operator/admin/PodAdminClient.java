package dev.ferry.operator.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.operator.tls.FleetTrust;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Talks to one fleet's server pods through their admin API (podIP:adminPort, bearer token from the
 * fleet's Secret). Every call is asynchronous and bounded by {@link #TIMEOUT}; a failure completes
 * the future with an {@link AdminCallException} that says which pod and what went wrong.
 */
public final class PodAdminClient {

    /** Connect and whole-request bound: an admin call answers in milliseconds unless the pod is in trouble. */
    public static final Duration TIMEOUT = Duration.ofSeconds(3);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(TIMEOUT)
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    /** One HTTPS client per fleet CA and name: an HttpClient owns threads and a connection pool, so it is kept. */
    private static final Map<String, HttpClient> HTTPS = new ConcurrentHashMap<>();

    private final String token;
    private final int adminPort;
    private final HttpClient http;
    private final String scheme;

    /** A client for a fleet without TLS: plain HTTP. */
    public PodAdminClient(String token, int adminPort) {
        this.token = token;
        this.adminPort = adminPort;
        this.http = HTTP;
        this.scheme = "http";
    }

    /**
     * A client for a TLS fleet: HTTPS, trusting only {@code caPem} and requiring {@code expectedName}
     * in each pod's certificate (see {@link FleetTrust}).
     */
    public PodAdminClient(String token, int adminPort, String caPem, String expectedName) {
        this.token = token;
        this.adminPort = adminPort;
        this.scheme = "https";
        this.http = HTTPS.computeIfAbsent(expectedName + "\n" + caPem, k -> {
            if (HTTPS.size() > 1000) {
                HTTPS.clear(); // fleets come and go; a rotated CA leaves its old client behind
            }
            return HttpClient.newBuilder()
                    .connectTimeout(TIMEOUT)
                    .version(HttpClient.Version.HTTP_1_1)
                    .sslContext(FleetTrust.sslContext(caPem, expectedName))
                    .build();
        });
    }

    public CompletableFuture<PodAdminStatus> status(String podIP) {
        return send(podIP, "GET", "/v1/status", null).thenApply(PodAdminStatus::parse);
    }

    /** Starts (or replaces) the pod's drain: every session is asked to migrate to {@code targets}. */
    public CompletableFuture<JsonNode> drain(String podIP, List<String> targets, int ratePerSecond) {
        ObjectNode body = JSON.createObjectNode();
        targets.forEach(body.putArray("targets")::add);
        body.put("ratePerSecond", ratePerSecond);
        return send(podIP, "POST", "/v1/drain", body);
    }

    /** Asks the pod to migrate {@code count} of its sessions (any not migrating already) to {@code targets}: a rebalance. */
    public CompletableFuture<JsonNode> migrate(String podIP, int count, List<String> targets) {
        ObjectNode body = JSON.createObjectNode();
        body.put("count", count);
        targets.forEach(body.putArray("targets")::add);
        return send(podIP, "POST", "/v1/migrate", body);
    }

    /** Where the pod drains itself to on SIGTERM. */
    public CompletableFuture<JsonNode> setPeers(String podIP, List<String> peers) {
        ObjectNode body = JSON.createObjectNode();
        peers.forEach(body.putArray("peers")::add);
        return send(podIP, "PUT", "/v1/peers", body);
    }

    private CompletableFuture<JsonNode> send(String podIP, String method, String path, JsonNode body) {
        URI uri = URI.create(scheme + "://" + podIP + ":" + adminPort + path);
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Authorization", "Bearer " + token);
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        }
        String call = method + " " + uri;
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                .handle((response, error) -> {
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException && error.getCause() != null
                                ? error.getCause()
                                : error;
                        throw new AdminCallException(call + " failed: " + cause, cause);
                    }
                    if (response.statusCode() / 100 != 2) {
                        throw new AdminCallException(
                                call + " answered " + response.statusCode() + ": " + shorten(response.body()), null);
                    }
                    try {
                        return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
                    } catch (IOException e) {
                        throw new AdminCallException(call + " answered with invalid JSON: " + e.getMessage(), e);
                    }
                });
    }

    private static String shorten(String s) {
        return s.length() <= 300 ? s : s.substring(0, 297) + "...";
    }

    /** An admin call that failed: connection refused, timeout, non-2xx answer or bad JSON. */
    public static final class AdminCallException extends RuntimeException {
        AdminCallException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
