package dev.ferry.operator.webhook;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Starts the eviction webhook when the application starts, in every replica: the API server calls the
 * Service {@value WebhookCertificates#SERVICE}, which reaches any ready operator pod, not only the
 * leader. The webhook decides on its own (it reads the pod and the fleet); what it starts, a mark on
 * the pod, reaches the leader's drains through the pod informer. A replica whose webhook cannot start
 * (no namespace, a Secret it may not read) logs why and goes on reconciling: the configuration's
 * {@code failurePolicy: Ignore} then lets evictions through, and the pods migrate on SIGTERM.
 */
@ApplicationScoped
public class WebhookStartup {

    private static final Logger log = Logger.getLogger(WebhookStartup.class);

    private final WebhookConfig config;
    private final KubernetesClient client;
    private final Vertx vertx;
    private volatile WebhookServer server;
    private volatile long caBundleTimer = -1;

    public WebhookStartup(WebhookConfig config, KubernetesClient client, Vertx vertx) {
        this.config = config;
        this.client = client;
        this.vertx = vertx;
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.enabled()) {
            log.info("The eviction webhook is off (ferry.webhook.enabled=false)");
            return;
        }
        try {
            start();
        } catch (RuntimeException e) {
            log.errorf(
                    e,
                    "The eviction webhook cannot start: %s. Evictions of fleet pods go through without a drain"
                            + " first (the pods still migrate their sessions on SIGTERM)",
                    e.getMessage());
        }
    }

    private void start() {
        String namespace = config.namespace()
                .or(() -> java.util.Optional.ofNullable(System.getenv("POD_NAMESPACE")))
                .filter(s -> !s.isBlank())
                .orElseGet(client::getNamespace);
        if (namespace == null) {
            throw new IllegalStateException(
                    "no namespace for its Secret: set POD_NAMESPACE (downward API) or ferry.webhook.namespace");
        }
        List<String> names = new ArrayList<>(WebhookCertificates.dnsNames(config.serviceName(), namespace));
        config.extraNames().ifPresent(names::addAll);
        WebhookCertificates.Material tls =
                WebhookCertificates.ensure(client, namespace, config.secretName(), names, Instant.now());
        String instance = Objects.requireNonNullElse(System.getenv("POD_NAME"), "ferry-operator");
        EvictionAdmission admission = new EvictionAdmission(
                new KubernetesEvictionCluster(client, instance), Clock.systemUTC(), config.maxHold());
        WebhookServer s = new WebhookServer(vertx, admission);
        s.start(config.host(), config.port(), tls)
                .toCompletionStage()
                .toCompletableFuture()
                .orTimeout(30, TimeUnit.SECONDS)
                .join();
        server = s;
        publish(tls.caPem());
        long period = Math.max(1000, config.caBundleCheckPeriod().toMillis());
        caBundleTimer = vertx.setPeriodic(
                period,
                id -> vertx.executeBlocking(
                        () -> {
                            publish(tls.caPem());
                            return null;
                        },
                        false));
    }

    /** Makes the configuration trust this CA; failures are logged (the next check tries again). */
    private void publish(String caPem) {
        try {
            if (!WebhookCertificates.publishCaBundle(client, config.configurationName(), caPem)) {
                log.warnf(
                        "ValidatingWebhookConfiguration %s does not exist: the API server does not call the eviction"
                                + " webhook (install deploy/)",
                        config.configurationName());
            }
        } catch (RuntimeException e) {
            log.warnf("Cannot publish the webhook's CA to %s: %s", config.configurationName(), e.getMessage());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (caBundleTimer >= 0) {
            vertx.cancelTimer(caBundleTimer);
        }
        WebhookServer s = server;
        if (s != null) {
            s.stop()
                    .toCompletionStage()
                    .toCompletableFuture()
                    .completeOnTimeout(null, 5, TimeUnit.SECONDS)
                    .join();
        }
    }
}
