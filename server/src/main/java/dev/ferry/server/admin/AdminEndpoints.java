package dev.ferry.server.admin;

import dev.ferry.admin.api.CancelDrainResponse;
import dev.ferry.admin.api.CurrentDrainResponse;
import dev.ferry.admin.api.DrainRequest;
import dev.ferry.admin.api.InvalidRequestException;
import dev.ferry.admin.api.LivenessResponse;
import dev.ferry.admin.api.MigrateRequest;
import dev.ferry.admin.api.MigrateResponse;
import dev.ferry.admin.api.PeersRequest;
import dev.ferry.admin.api.ReadinessResponse;
import dev.ferry.admin.api.ReadinessResponse.Readiness;
import dev.ferry.admin.api.ReadinessResponse.StoreState;
import dev.ferry.protocol.SessionId;
import dev.ferry.server.Drain;
import dev.ferry.server.FerryServer;
import dev.ferry.server.WarmUp;
import io.micrometer.core.instrument.Gauge;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
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
        return done(AdminResponse.json(200, LivenessResponse.UP));
    }

    CompletableFuture<AdminResponse> ready(AdminRequest request) {
        if (!server.isServing()) {
            return done(AdminResponse.json(
                    503,
                    new ReadinessResponse(
                            Readiness.NOT_READY,
                            false,
                            null,
                            null,
                            "the server is draining or stopping and takes no new sessions; "
                                    + "it becomes ready again when the drain is cancelled (DELETE /v1/drain)")));
        }
        if (warmUp != null && !warmUp.isDone()) {
            return done(AdminResponse.json(
                    503,
                    new ReadinessResponse(
                            Readiness.NOT_READY,
                            true,
                            null,
                            warmUp.state().name(),
                            "the server is warming up (" + warmUp.completedIterations() + " of "
                                    + warmUp.iterations()
                                    + " iterations) and takes sessions when it is done")));
        }
        return storeHealth.check().thenApply(this::noted).thenApply(result -> {
            if (!storeHealth.checksStore()) {
                return AdminResponse.json(
                        200, new ReadinessResponse(Readiness.READY, true, StoreState.UNCHECKED, null, null));
            }
            if (result.up()) {
                return AdminResponse.json(200, new ReadinessResponse(Readiness.READY, true, StoreState.UP, null, null));
            }
            return AdminResponse.json(
                    503, new ReadinessResponse(Readiness.NOT_READY, true, StoreState.DOWN, null, result.problem()));
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
        return done(AdminResponse.json(
                200,
                new CurrentDrainResponse(
                        server.currentDrain().map(AdminViews::drain).orElse(null))));
    }

    CompletableFuture<AdminResponse> startDrain(AdminRequest request) throws AdminException {
        DrainRequest drain = body(request, DrainRequest::fromJson);
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
            return AdminResponse.json(200, new CancelDrainResponse(cancelled));
        });
    }

    CompletableFuture<AdminResponse> migrate(AdminRequest request) throws AdminException {
        MigrateRequest migrate = body(request, MigrateRequest::fromJson);
        return offLoop(() -> {
            MigrateResponse answer;
            if (migrate.byCount()) {
                answer = new MigrateResponse(server.migrate(migrate.count(), migrate.targets()), null);
            } else {
                List<SessionId> ids = migrate.sessions().stream()
                        .map(SessionId::parse)
                        .distinct()
                        .toList();
                // Reported so the caller sees an ID that is not (or no longer) here, instead of a silent 0.
                List<String> notFound = ids.stream()
                        .filter(id -> server.session(id).isEmpty())
                        .map(SessionId::toString)
                        .toList();
                answer = new MigrateResponse(server.migrate(ids, migrate.targets()), notFound);
            }
            log.info("admin: migration of {} session(s) to {} requested", answer.requested(), migrate.targets());
            return AdminResponse.json(200, answer);
        });
    }

    CompletableFuture<AdminResponse> peers(AdminRequest request) {
        return done(AdminResponse.json(200, AdminViews.peers(server)));
    }

    CompletableFuture<AdminResponse> setPeers(AdminRequest request) throws AdminException {
        PeersRequest peers = body(request, PeersRequest::fromJson);
        server.setPeers(peers.peers().stream().distinct().toList());
        log.info("admin: peers set to {}", server.peers());
        return done(AdminResponse.json(200, AdminViews.peers(server)));
    }

    /** The request's body as the contract's type; a body that breaks the contract is a 400 that says what to fix. */
    private static <T> T body(AdminRequest request, Function<byte[], T> reader) throws AdminException {
        try {
            return reader.apply(request.body());
        } catch (InvalidRequestException e) {
            throw AdminException.badRequest(e.getMessage());
        }
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
