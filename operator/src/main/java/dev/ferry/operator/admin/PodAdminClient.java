package dev.ferry.operator.admin;

import dev.ferry.admin.api.AdminJson;
import dev.ferry.admin.api.AdminPaths;
import dev.ferry.admin.api.DrainRequest;
import dev.ferry.admin.api.DrainStatus;
import dev.ferry.admin.api.ErrorResponse;
import dev.ferry.admin.api.InvalidRequestException;
import dev.ferry.admin.api.MigrateRequest;
import dev.ferry.admin.api.MigrateResponse;
import dev.ferry.admin.api.PeersRequest;
import dev.ferry.admin.api.PeersResponse;
import dev.ferry.admin.api.StatusResponse;
import dev.ferry.operator.tls.FleetTrust;
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
import java.util.function.Supplier;

/**
 * Talks to one fleet's server pods through their admin API (podIP:adminPort, bearer token from the
 * fleet's Secret). Every call is asynchronous and bounded by {@link #TIMEOUT}; a failure completes
 * the future with an {@link AdminCallException} that says which pod and what went wrong.
 */
public final class PodAdminClient {

    /** Connect and whole-request bound: an admin call answers in milliseconds unless the pod is in trouble. */
    public static final Duration TIMEOUT = Duration.ofSeconds(3);

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
        return send(podIP, "GET", AdminPaths.STATUS, () -> null, StatusResponse.class)
                .thenApply(PodAdminStatus::from);
    }

    /** Starts (or replaces) the pod's drain: every session is asked to migrate to {@code targets}. */
    public CompletableFuture<DrainStatus> drain(String podIP, List<String> targets, int ratePerSecond) {
        return send(podIP, "POST", AdminPaths.DRAIN, () -> new DrainRequest(targets, ratePerSecond), DrainStatus.class);
    }

    /** Asks the pod to migrate {@code count} of its sessions (any not migrating already) to {@code targets}: a rebalance. */
    public CompletableFuture<MigrateResponse> migrate(String podIP, int count, List<String> targets) {
        return send(
                podIP, "POST", AdminPaths.MIGRATE, () -> MigrateRequest.ofCount(count, targets), MigrateResponse.class);
    }

    /** Where the pod drains itself to on SIGTERM. */
    public CompletableFuture<PeersResponse> setPeers(String podIP, List<String> peers) {
        return send(podIP, "PUT", AdminPaths.PEERS, () -> new PeersRequest(peers), PeersResponse.class);
    }

    /**
     * @param body builds the request record; a request that breaks the contract fails the future
     *             like a refused call, so callers handle both the same way
     */
    private <T> CompletableFuture<T> send(
            String podIP, String method, String path, Supplier<Record> body, Class<T> answer) {
        URI uri = URI.create(scheme + "://" + podIP + ":" + adminPort + path);
        String call = method + " " + uri;
        Record request;
        try {
            request = body.get();
        } catch (InvalidRequestException e) {
            return CompletableFuture.failedFuture(new AdminCallException(call + " not sent: " + e.getMessage(), e));
        }
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Authorization", "Bearer " + token);
        if (request == null) {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            builder.header("Content-Type", AdminPaths.JSON)
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(AdminJson.toBytes(request)));
        }
        return http.sendAsync(builder.build(), HttpResponse.BodyHandlers.ofString())
                .handle((response, error) -> {
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException && error.getCause() != null
                                ? error.getCause()
                                : error;
                        throw new AdminCallException(call + " failed: " + cause, cause);
                    }
                    if (response.statusCode() / 100 != 2) {
                        throw new AdminCallException(
                                call + " answered " + response.statusCode() + ": " + reason(response.body()), null);
                    }
                    try {
                        return AdminJson.read(response.body(), answer);
                    } catch (IllegalArgumentException e) {
                        throw new AdminCallException(call + " answered " + e.getMessage(), e);
                    }
                });
    }

    /** The error body's message when it is one, else the body as it came. */
    private static String reason(String body) {
        try {
            String error = AdminJson.read(body, ErrorResponse.class).error();
            if (error != null) return shorten(error);
        } catch (IllegalArgumentException notAnErrorBody) {
            // A proxy or an older server answered: show what came.
        }
        return shorten(body);
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
