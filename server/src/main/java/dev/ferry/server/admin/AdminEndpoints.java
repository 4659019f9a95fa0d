package dev.ferry.server.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.protocol.SessionId;
import dev.ferry.server.Drain;
import dev.ferry.server.FerryServer;
import dev.ferry.server.WarmUp;
import io.micrometer.core.instrument.Gauge;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each endpoint does to the {@link FerryServer}. Reads run where they are called (the event
 * loop: they only read counters); anything that may wait on the context store runs on
 * {@code blocking} (virtual threads), never on the event loop.
 */
final class AdminEndpoints {
    private static final Logger log = LoggerFactory.getLogger(AdminEndpoints.class);

    private final FerryServer server;
    private final StoreHealth storeHealth;
    private final Executor blocking;
    private final WarmUp warmUp;

    /** The last store ping's outcome for the gauge: 1 up, 0 down, -1 not checked yet. */
    private final AtomicInteger storeUp = new AtomicInteger(-1);

    AdminEndpoints(FerryServer server, StoreHealth storeHealth, Executor blocking, WarmUp warmUp) {
        this.server = server;
        this.warmUp = warmUp;
        this.storeHealth = storeHealth;
        this.blocking = blocking;
        if (storeHealth.checksStore()) {
            Gauge.builder("ferry_context_store_up", storeUp, n -> n.get() < 0 ? Double.NaN : n.get())
                    .description(
                            "1 when the context store answered its last ping in time, 0 when it did not; pinged"
                                    + " for each scrape of /metrics and each readiness probe (at most one ping per cache period)")
                    .register(server.meterRegistry());
        }
    }

    private StoreHealth.Result noted(StoreHealth.Result result) {
        storeUp.set(result.up() ? 1 : 0);
        return result;
    }

    CompletableFuture<AdminResponse> live(AdminRequest request) {
        return done(AdminResponse.json(200, Json.object().put("status", "UP")));
    }

    CompletableFuture<AdminResponse> ready(AdminRequest request) {
        if (!server.isServing()) {
            return done(
                    AdminResponse.json(
                            503,
                            Json.object()
                                    .put("status", "NOT_READY")
                                    .put("serving", false)
                                    .put(
                                            "error",
                                            "the server is draining or stopping and takes no new sessions; "
                                                    + "it becomes ready again when the drain is cancelled (DELETE /v1/drain)")));
        }
        if (warmUp != null && !warmUp.isDone()) {
            return done(AdminResponse.json(
                    503,
                    Json.object()
                            .put("status", "NOT_READY")
                            .put("serving", true)
                            .put("warmUp", warmUp.state().name())
                            .put(
                                    "error",
                                    "the server is warming up (" + warmUp.completedIterations() + " of "
                                            + warmUp.iterations()
                                            + " iterations) and takes sessions when it is done")));
        }
        return storeHealth.check().thenApply(this::noted).thenApply(result -> {
            ObjectNode body = Json.object().put("serving", true);
            if (!storeHealth.checksStore()) {
                return AdminResponse.json(200, body.put("status", "READY").put("store", "UNCHECKED"));
            }
            if (result.up())
                return AdminResponse.json(200, body.put("status", "READY").put("store", "UP"));
            return AdminResponse.json(
                    503, body.put("status", "NOT_READY").put("store", "DOWN").put("error", result.problem()));
        });
    }

    CompletableFuture<AdminResponse> metrics(AdminRequest request) {
        if (!storeHealth.checksStore())
            return done(AdminResponse.text(200, AdminResponse.PROMETHEUS_TEXT, server.scrapeMetrics()));
        // ferry_context_store_up as of now: ping (or reuse a fresh ping) first; bounded by the ping timeout.
        return storeHealth
                .check()
                .thenApply(this::noted)
                .thenApply(result -> AdminResponse.text(200, AdminResponse.PROMETHEUS_TEXT, server.scrapeMetrics()));
    }

    CompletableFuture<AdminResponse> status(AdminRequest request) {
        return done(AdminResponse.json(200, AdminViews.status(server)));
    }

    CompletableFuture<AdminResponse> sessions(AdminRequest request) {
        return done(AdminResponse.json(200, AdminViews.sessions(server)));
    }

    CompletableFuture<AdminResponse> currentDrain(AdminRequest request) {
        ObjectNode body = Json.object();
        body.set("drain", server.currentDrain().map(AdminViews::drain).orElse(null));
        return done(AdminResponse.json(200, body));
    }

    CompletableFuture<AdminResponse> startDrain(AdminRequest request) throws AdminException {
        DrainRequest drain = DrainRequest.parse(request);
        return offLoop(() -> {
            Drain started = server.drain(drain.targets(), drain.ratePerSecond());
            log.info("admin: drain to {} at {}/s requested", drain.targets(), drain.ratePerSecond());
            return AdminResponse.json(202, AdminViews.drain(started));
        });
    }

    CompletableFuture<AdminResponse> cancelDrain(AdminRequest request) {
        return offLoop(() -> {
            int cancelled = server.cancelDrain(); // may wait on the context store
            log.info("admin: drain cancelled, {} migrations called off", cancelled);
            return AdminResponse.json(200, Json.object().put("cancelled", cancelled));
        });
    }

    CompletableFuture<AdminResponse> migrate(AdminRequest request) throws AdminException {
        MigrateRequest migrate = MigrateRequest.parse(request);
        return offLoop(() -> {
            ObjectNode body = Json.object();
            if (migrate.byCount()) {
                body.put("requested", server.migrate(migrate.count(), migrate.targets()));
            } else {
                // Reported so the caller sees an ID that is not (or no longer) here, instead of a silent 0.
                ArrayNode notFound = body.putArray("notFound");
                for (SessionId id : migrate.sessions()) {
                    if (server.session(id).isEmpty()) notFound.add(id.toString());
                }
                body.put("requested", server.migrate(migrate.sessions(), migrate.targets()));
            }
            log.info("admin: migration of {} session(s) to {} requested", body.get("requested"), migrate.targets());
            return AdminResponse.json(200, body);
        });
    }

    CompletableFuture<AdminResponse> peers(AdminRequest request) {
        return done(AdminResponse.json(200, AdminViews.peers(server)));
    }

    CompletableFuture<AdminResponse> setPeers(AdminRequest request) throws AdminException {
        PeersRequest peers = PeersRequest.parse(request);
        server.setPeers(peers.peers());
        log.info("admin: peers set to {}", server.peers());
        return done(AdminResponse.json(200, AdminViews.peers(server)));
    }

    private CompletableFuture<AdminResponse> offLoop(Supplier<AdminResponse> work) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return work.get();
                    } catch (IllegalArgumentException e) {
                        // The SDK refused an input our validation let through: still the caller's input.
                        return AdminResponse.error(400, e.getMessage());
                    } catch (IllegalStateException e) {
                        return AdminResponse.error(409, "the server cannot do that now: " + e.getMessage());
                    }
                },
                blocking);
    }

    private static CompletableFuture<AdminResponse> done(AdminResponse response) {
        return CompletableFuture.completedFuture(response);
    }
}
