package dev.ferry.operator.webhook;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code ferry.webhook.*}: the eviction webhook every operator replica serves. */
@ConfigMapping(prefix = "ferry.webhook")
public interface WebhookConfig {

    /** Off in tests and dev mode (application.properties); on in the image. */
    @WithDefault("true")
    boolean enabled();

    /** The HTTPS port; the Service ferry-operator-webhook sends 443 here. */
    @WithDefault("9443")
    int port();

    @WithDefault("0.0.0.0")
    String host();

    /** Where the Secret and the Service live. Default: POD_NAMESPACE (downward API), else the client's namespace. */
    Optional<String> namespace();

    @WithDefault(WebhookCertificates.SERVICE)
    String serviceName();

    @WithDefault(WebhookCertificates.SECRET)
    String secretName();

    @WithDefault(WebhookCertificates.CONFIGURATION)
    String configurationName();

    /** More names for the certificate (an IP literal becomes an IP entry), e.g. for a url-configured webhook. */
    Optional<List<String>> extraNames();

    /**
     * How long a pod is refused after its first refused eviction if its drain has not started by then
     * (no replacement could start, say); after that evictions go through and the pod migrates its
     * sessions on SIGTERM.
     */
    @WithDefault("10m")
    Duration maxHold();

    /** How often each replica checks that the configuration's caBundle is its CA (a re-install may drop it). */
    @WithDefault("60s")
    Duration caBundleCheckPeriod();
}
