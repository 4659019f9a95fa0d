package dev.ferry.operator.webhook;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.jboss.logging.Logger;

/**
 * The operator's admission webhook endpoint: HTTPS (the certificate from {@link WebhookCertificates},
 * held in memory) on its own port, {@code POST} {@value #PATH} with an AdmissionReview v1. Each review is
 * decided off the event loop ({@link EvictionAdmission} reads the pod and its fleet from the API server).
 * A body that is not an AdmissionReview gets HTTP 400 with what is wrong; a failure while deciding lets
 * the eviction through with a warning (as {@code failurePolicy: Ignore} would), so a broken operator
 * never blocks a node drain.
 */
public final class WebhookServer {

    public static final String PATH = "/validate/pods-eviction";
    /** The API server sends a few kB per eviction; anything far larger is not one. */
    static final int MAX_BODY = 1 << 20;

    private static final Logger log = Logger.getLogger(WebhookServer.class);

    private final Vertx vertx;
    private final EvictionAdmission admission;
    private volatile HttpServer server;

    public WebhookServer(Vertx vertx, EvictionAdmission admission) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.admission = Objects.requireNonNull(admission, "admission");
    }

    /** Listens on {@code host:port} (port 0: any free one) with {@code tls}; completes with the port. */
    public Future<Integer> start(String host, int port, WebhookCertificates.Material tls) {
        HttpServerOptions options = new HttpServerOptions()
                .setSsl(true)
                .setKeyCertOptions(new PemKeyCertOptions()
                        .addCertValue(Buffer.buffer(tls.certificatePem()))
                        .addKeyValue(Buffer.buffer(tls.privateKeyPem())))
                .setHost(host)
                .setPort(port)
                .setMaxFormAttributeSize(MAX_BODY);
        HttpServer created = vertx.createHttpServer(options).requestHandler(this::handle);
        return created.listen().map(s -> {
            server = s;
            log.infof("Eviction webhook listening on https://%s:%d%s", host, s.actualPort(), PATH);
            return s.actualPort();
        });
    }

    public Future<Void> stop() {
        HttpServer s = server;
        server = null;
        if (s == null) {
            return Future.succeededFuture();
        }
        log.info("Eviction webhook stopped");
        return s.close();
    }

    private void handle(HttpServerRequest request) {
        if (!PATH.equals(request.path())) {
            reply(request, 404, "text/plain", "not found: the eviction webhook is at POST " + PATH + "\n");
            return;
        }
        if (request.method() != HttpMethod.POST) {
            request.response().putHeader("Allow", "POST");
            reply(
                    request,
                    405,
                    "text/plain",
                    "use POST with an " + AdmissionReviews.API_VERSION + " AdmissionReview\n");
            return;
        }
        String length = request.getHeader("Content-Length");
        if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > MAX_BODY) {
            reply(request, 413, "text/plain", "an AdmissionReview is at most " + MAX_BODY + " bytes\n");
            return;
        }
        Buffer body = Buffer.buffer();
        request.handler(chunk -> {
            if (body.length() + chunk.length() > MAX_BODY) {
                if (!request.response().ended()) {
                    reply(request, 413, "text/plain", "an AdmissionReview is at most " + MAX_BODY + " bytes\n");
                }
                return;
            }
            body.appendBuffer(chunk);
        });
        request.endHandler(v -> {
            if (request.response().ended()) {
                return;
            }
            vertx.<Answer>executeBlocking(() -> answer(body.toString(StandardCharsets.UTF_8)), false)
                    .onComplete(r -> {
                        Answer a = r.succeeded()
                                ? r.result()
                                : new Answer(500, "text/plain", "cannot decide: " + r.cause() + "\n");
                        reply(request, a.status(), a.contentType(), a.body());
                    });
        });
    }

    /** The HTTP answer to one request body. */
    record Answer(int status, String contentType, String body) {}

    Answer answer(String body) {
        AdmissionReviews.Request review;
        try {
            review = AdmissionReviews.parse(body);
        } catch (AdmissionReviews.BadReview e) {
            log.warnf("Refused a request to the eviction webhook: %s", e.getMessage());
            return new Answer(400, "text/plain", e.getMessage() + "\n");
        }
        EvictionAdmission.Decision decision;
        try {
            decision = admission.decide(review);
        } catch (RuntimeException e) {
            String why = "ferry: cannot check the eviction of " + review.namespace() + "/" + review.name() + " ("
                    + e.getMessage() + "); letting it through";
            log.warn(why, e);
            decision = new EvictionAdmission.Decision.Allow(why, java.util.Optional.of(why));
        }
        switch (decision) {
            case EvictionAdmission.Decision.Allow allow ->
                log.debugf(
                        "Eviction of %s/%s allowed: %s%s",
                        review.namespace(), review.name(), allow.why(), review.dryRun() ? " (dry run)" : "");
            case EvictionAdmission.Decision.Deny deny ->
                log.infof(
                        "Eviction of %s/%s%s refused (%d): %s%s",
                        review.namespace(),
                        review.name(),
                        review.user().map(u -> " by " + u).orElse(""),
                        deny.code(),
                        deny.message(),
                        review.dryRun() ? " (dry run)" : "");
        }
        return new Answer(200, "application/json", AdmissionReviews.response(review.uid(), decision));
    }

    private static void reply(HttpServerRequest request, int status, String contentType, String body) {
        if (request.response().ended()) {
            return;
        }
        request.response()
                .setStatusCode(status)
                .putHeader("Content-Type", contentType)
                .end(body);
    }
}
