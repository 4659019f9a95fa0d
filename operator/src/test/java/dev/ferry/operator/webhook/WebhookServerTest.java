package dev.ferry.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operator.model.ServerFleet;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The webhook over real HTTPS on loopback, checked against the CA WebhookCertificates made. */
class WebhookServerTest {

    private Vertx vertx;
    private WebhookServer server;
    private int port;
    private WebhookCertificates.Material tls;
    private final EvictionAdmissionTest.FakeCluster cluster = new EvictionAdmissionTest.FakeCluster();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        tls = WebhookCertificates.issue("ferry-system", List.of("127.0.0.1", "localhost"), Instant.now());
        ServerFleet fleet = cluster.add(EvictionAdmissionTest.fleet("f", 12L));
        cluster.add(EvictionAdmissionTest.pod("f-1", fleet));
        server = new WebhookServer(vertx, new EvictionAdmission(cluster));
        port = server.start("127.0.0.1", 0, tls)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        server.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void anEvictionOfAServingPodIsAnsweredWith429OverTlsTrustedByTheCa() throws Exception {
        HttpResponse<String> r = post(trusting(tls.caPem()), AdmissionReviewsTest.review("f-1", false, "[]"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(r.body())
                .contains("\"uid\":\"705ab4f5-6393-11e8-b7cc-42010a800002\"")
                .contains("\"allowed\":false")
                .contains("\"code\":429")
                .contains("\"reason\":\"TooManyRequests\"")
                .contains("migrating its 12 sessions");
        assertThat(cluster.marks).hasSize(1);

        HttpResponse<String> other = post(trusting(tls.caPem()), AdmissionReviewsTest.review("nobody", false, "[]"));
        assertThat(other.body()).contains("\"allowed\":true");
    }

    @Test
    void badBodiesGet400WithWhatIsWrongAndOtherPathsAndMethodsAreRefused() throws Exception {
        HttpClient client = trusting(tls.caPem());
        HttpResponse<String> bad = post(client, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("expected apiVersion admission.k8s.io/v1 and kind AdmissionReview");
        assertThat(post(client, "garbage").statusCode()).isEqualTo(400);

        HttpResponse<String> get = client.send(
                HttpRequest.newBuilder(uri(WebhookServer.PATH)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        HttpResponse<String> elsewhere = client.send(
                HttpRequest.newBuilder(uri("/other"))
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(elsewhere.statusCode()).isEqualTo(404);
        HttpResponse<String> huge = post(client, "x".repeat(WebhookServer.MAX_BODY + 1));
        assertThat(huge.statusCode()).isEqualTo(413);
    }

    @Test
    void aClientThatTrustsAnotherCaIsRefusedTheHandshake() {
        WebhookCertificates.Material other =
                WebhookCertificates.issue("elsewhere", List.of("127.0.0.1"), Instant.now());
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> post(trusting(other.caPem()), AdmissionReviewsTest.review("f-1", false, "[]")))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void aFailureWhileDecidingLetsTheEvictionThroughWithAWarning() throws Exception {
        WebhookServer failing = new WebhookServer(vertx, new EvictionAdmission(new EvictionAdmissionTest.FakeCluster() {
            @Override
            public java.util.Optional<io.fabric8.kubernetes.api.model.Pod> pod(String namespace, String name) {
                throw new IllegalStateException("API server unreachable");
            }
        }));
        WebhookServer.Answer a = failing.answer(AdmissionReviewsTest.review("f-1", false, "[]"));
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.body()).contains("\"allowed\":true").contains("API server unreachable");
    }

    private HttpResponse<String> post(HttpClient client, String body) throws Exception {
        return client.send(
                HttpRequest.newBuilder(uri(WebhookServer.PATH))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("https://127.0.0.1:" + port + path);
    }

    /** A client that trusts only {@code caPem} and checks the host name (127.0.0.1 is in the certificate). */
    static HttpClient trusting(String caPem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry(
                "ca",
                CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder()
                .sslContext(ssl)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }
}
