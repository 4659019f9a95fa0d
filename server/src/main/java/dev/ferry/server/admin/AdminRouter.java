package dev.ferry.server.admin;

import dev.ferry.admin.api.AdminPaths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps a request to its endpoint and applies, in this order: unknown path (404), wrong method
 * (405 with Allow), authentication (401), rate limit on mutating endpoints (429), content type
 * (415); then the endpoint, whose bad input is a 400. Never throws: every outcome, including a
 * bug, is a JSON response.
 */
final class AdminRouter {
    private static final Logger log = LoggerFactory.getLogger(AdminRouter.class);

    /** An endpoint: may throw {@link AdminException} for bad input, or fail its future with one. */
    @FunctionalInterface
    interface Endpoint {
        CompletableFuture<AdminResponse> handle(AdminRequest request) throws AdminException;
    }

    private record Route(boolean authenticated, boolean mutating, Endpoint endpoint) {}

    private final Map<String, Map<String, Route>> routes = new LinkedHashMap<>();
    private final BearerAuth auth;
    private final TokenBucket mutationLimit;

    AdminRouter(AdminEndpoints endpoints, BearerAuth auth, TokenBucket mutationLimit) {
        this.auth = auth;
        this.mutationLimit = mutationLimit;
        open("GET", AdminPaths.LIVE, endpoints::live);
        open("GET", AdminPaths.READY, endpoints::ready);
        open("GET", AdminPaths.METRICS, endpoints::metrics);
        read("GET", AdminPaths.STATUS, endpoints::status);
        read("GET", AdminPaths.SESSIONS, endpoints::sessions);
        read("GET", AdminPaths.DRAIN, endpoints::currentDrain);
        write("POST", AdminPaths.DRAIN, endpoints::startDrain);
        write("DELETE", AdminPaths.DRAIN, endpoints::cancelDrain);
        write("POST", AdminPaths.MIGRATE, endpoints::migrate);
        read("GET", AdminPaths.PEERS, endpoints::peers);
        write("PUT", AdminPaths.PEERS, endpoints::setPeers);
    }

    /** What a route asks of a request: the admin token, and a share of the rate of changing requests. */
    record RouteRule(String method, String path, boolean authenticated, boolean rateLimited) {}

    /** Every route as registered, for the test that holds them against the OpenAPI document. */
    List<RouteRule> rules() {
        List<RouteRule> rules = new ArrayList<>();
        routes.forEach((path, byMethod) -> byMethod.forEach(
                (method, route) -> rules.add(new RouteRule(method, path, route.authenticated(), route.mutating()))));
        return rules;
    }

    private void open(String method, String path, Endpoint e) {
        add(method, path, new Route(false, false, e));
    }

    private void read(String method, String path, Endpoint e) {
        add(method, path, new Route(true, false, e));
    }

    private void write(String method, String path, Endpoint e) {
        add(method, path, new Route(true, true, e));
    }

    private void add(String method, String path, Route route) {
        routes.computeIfAbsent(path, p -> new LinkedHashMap<>()).put(method, route);
    }

    CompletableFuture<AdminResponse> handle(AdminRequest request) {
        try {
            return dispatch(request).handle((response, error) -> error == null ? response : failure(request, error));
        } catch (AdminException e) {
            return CompletableFuture.completedFuture(e.toResponse());
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failure(request, e));
        }
    }

    private CompletableFuture<AdminResponse> dispatch(AdminRequest request) throws AdminException {
        Map<String, Route> byMethod = routes.get(request.path());
        if (byMethod == null) {
            throw new AdminException(
                    404,
                    "no such endpoint: " + shown(request.path())
                            + "; the admin API serves /healthz/live, /healthz/ready, /metrics, /v1/status, /v1/sessions, "
                            + "/v1/drain, /v1/migrate and /v1/peers");
        }
        Route route = byMethod.get(request.method());
        if (route == null) {
            String allow = String.join(", ", byMethod.keySet());
            throw new AdminException(
                    405,
                    "method " + shown(request.method()) + " is not allowed on " + request.path() + "; use " + allow,
                    Map.of("Allow", allow));
        }
        if (route.authenticated()) auth.check(request.authorization(), request.adminToken());
        if (route.mutating()) {
            long waitNanos = mutationLimit.tryAcquire();
            if (waitNanos > 0) {
                long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(waitNanos + 999_999_999L));
                throw new AdminException(
                        429,
                        "too many changing requests (POST, PUT, DELETE); retry after " + seconds + " s",
                        Map.of("Retry-After", Long.toString(seconds)));
            }
            checkContentType(request);
        }
        return route.endpoint().handle(request);
    }

    /** A body must be JSON; no Content-Type is accepted too (curl without -H, for instance). */
    private static void checkContentType(AdminRequest request) throws AdminException {
        if (!request.hasBody() || request.contentType() == null) return;
        String mediaType = request.contentType().split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!mediaType.equals("application/json")) {
            throw new AdminException(
                    415,
                    "request body must be JSON: send 'Content-Type: application/json', not "
                            + shown(request.contentType()));
        }
    }

    private static AdminResponse failure(AdminRequest request, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof AdminException e) return e.toResponse();
        log.error("admin: {} {} failed", request.method(), shown(request.path()), cause);
        return AdminResponse.error(
                500,
                "internal error while handling " + request.method() + " " + shown(request.path()) + ": " + cause
                        + "; see the server log");
    }

    /** Echoing caller input into messages: keep it short. */
    private static String shown(String s) {
        return s.length() <= 100 ? s : s.substring(0, 97) + "...";
    }
}
