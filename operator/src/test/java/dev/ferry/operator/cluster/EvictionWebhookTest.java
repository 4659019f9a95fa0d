package dev.ferry.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.controlplane.TestNamespace;
import dev.ferry.controlplane.WithControlPlane;
import dev.ferry.operator.model.FleetPodPhase;
import dev.ferry.operator.model.FleetPodStatus;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetStatus;
import dev.ferry.operator.resources.EvictionRequest;
import dev.ferry.operator.resources.FleetLabels;
import dev.ferry.operator.webhook.EvictionAdmission;
import dev.ferry.operator.webhook.KubernetesEvictionCluster;
import dev.ferry.operator.webhook.WebhookCertificates;
import dev.ferry.operator.webhook.WebhookServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The eviction webhook behind the real API server: a ValidatingWebhookConfiguration that calls
 * WebhookServer at https://127.0.0.1:PORT (trusted through the caBundle WebhookCertificates publishes),
 * the webhook run under the operator's ServiceAccount (deploy/rbac.yaml), and Evictions POSTed to the
 * pods/eviction subresource as kubectl drain does. The 429, its reason and the webhook's message reach
 * the caller; the pod is marked once, with one Event; a pod of no fleet is evicted.
 */
@WithControlPlane
class EvictionWebhookTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Vertx vertx;
    private static WebhookServer server;
    private static String configuration;
    private static WebhookCertificates.Material tls;

    @BeforeAll
    static void startTheWebhook(TestNamespace ns) throws Exception {
        ServerFleetCrd.install(ns.client());
        KubernetesClient operator = OperatorRbac.grant(ns);
        // Two replicas start: the first creates the Secret, the second reads the same CA and certificate.
        tls = WebhookCertificates.ensure(
                operator, ns.name(), WebhookCertificates.SECRET, List.of("127.0.0.1"), Instant.now());
        assertThat(WebhookCertificates.ensure(
                        operator, ns.name(), WebhookCertificates.SECRET, List.of("127.0.0.1"), Instant.now()))
                .isEqualTo(tls);

        vertx = Vertx.vertx();
        server = new WebhookServer(vertx, new EvictionAdmission(new KubernetesEvictionCluster(operator, "replica-a")));
        int port = server.start("127.0.0.1", 0, tls)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);

        // The configuration of deploy/webhook.yaml, with a url instead of the Service (no kube-proxy here),
        // failurePolicy Fail (so that a TLS mistake fails the test instead of letting evictions through) and
        // only this test's namespace (the control plane is shared).
        configuration = "ferry-eviction-" + ns.name();
        ns.client()
                .resource(new ValidatingWebhookConfigurationBuilder()
                        .withNewMetadata()
                        .withName(configuration)
                        .endMetadata()
                        .addNewWebhook()
                        .withName("eviction.ferry.dev")
                        .withAdmissionReviewVersions("v1")
                        .withSideEffects("NoneOnDryRun")
                        .withMatchPolicy("Equivalent")
                        .withFailurePolicy("Fail")
                        .withTimeoutSeconds(5)
                        .withNewClientConfig()
                        .withUrl("https://127.0.0.1:" + port + WebhookServer.PATH)
                        .endClientConfig()
                        .addNewRule()
                        .withApiGroups("")
                        .withApiVersions("v1")
                        .withOperations("CREATE")
                        .withResources("pods/eviction")
                        .endRule()
                        .withNewNamespaceSelector()
                        .addToMatchLabels("kubernetes.io/metadata.name", ns.name())
                        .endNamespaceSelector()
                        .endWebhook()
                        .build())
                .create();
        assertThat(WebhookCertificates.publishCaBundle(ns.client(), configuration, tls.caPem()))
                .isTrue();
        // The API server picks up a new configuration within a second or so.
        Thread.sleep(2000);
    }

    @AfterAll
    static void stop(dev.ferry.controlplane.ControlPlane controlPlane) throws Exception {
        if (configuration != null) {
            controlPlane
                    .adminClient()
                    .admissionRegistration()
                    .v1()
                    .validatingWebhookConfigurations()
                    .withName(configuration)
                    .delete();
        }
        if (server != null) {
            server.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anEvictionOfAServingFleetPodIsRefusedWith429AndThePodIsMarkedOnce(TestNamespace ns, KubernetesClient client)
            throws Exception {
        ServerFleet fleet = fleetWithSessions(client, "sf", "sf-1", 30);
        readyPod(client, fleetPod("sf-1", fleet));

        Answer first = evict(client, ns.name(), "sf-1", false);
        assertThat(first.code()).as(first.body()).isEqualTo(429);
        assertThat(first.json().path("reason").asText()).isEqualTo("TooManyRequests");
        assertThat(first.json().path("message").asText())
                .contains("admission webhook \"eviction.ferry.dev\" denied the request")
                .contains("pod " + ns.name() + "/sf-1 of ServerFleet sf")
                .contains("migrating its 30 sessions to the fleet's other pods")
                .contains("retry the eviction");
        Pod marked = client.pods().withName("sf-1").get();
        assertThat(marked.getMetadata().getAnnotations()).containsKey(EvictionRequest.ANNOTATION);
        assertThat(EvictionRequest.requestedAt(marked)).isPresent();
        String value = marked.getMetadata().getAnnotations().get(EvictionRequest.ANNOTATION);

        // kubectl drain tries again every 5 s: the same answer, the first mark kept, still one Event.
        Answer again = evict(client, ns.name(), "sf-1", false);
        assertThat(again.code()).isEqualTo(429);
        assertThat(client.pods().withName("sf-1").get().getMetadata().getAnnotations())
                .containsEntry(EvictionRequest.ANNOTATION, value);
        // Fabric8's evict() reads a 429 as "not now".
        assertThat(client.pods().withName("sf-1").evict()).isFalse();
        List<Event> events = client.events().v1().events().list().getItems().stream()
                .filter(e -> "EvictionRefused".equals(e.getReason()))
                .toList();
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo("Normal");
            assertThat(e.getRegarding().getName()).isEqualTo("sf");
            assertThat(e.getRelated().getName()).isEqualTo("sf-1");
            assertThat(e.getNote())
                    .contains("Eviction of pod sf-1 requested by ")
                    .contains("its 30 sessions migrate to the fleet's other pods first");
        });
    }

    @Test
    void aDryRunIsRefusedButMarksNothing(TestNamespace ns, KubernetesClient client) throws Exception {
        ServerFleet fleet = fleetWithSessions(client, "dry", "dry-1", 4);
        readyPod(client, fleetPod("dry-1", fleet));

        Answer dry = evict(client, ns.name(), "dry-1", true);
        assertThat(dry.code()).as(dry.body()).isEqualTo(429);
        assertThat(dry.json().path("message").asText()).contains("migrating its 4 sessions");
        assertThat(client.pods().withName("dry-1").get().getMetadata().getAnnotations())
                .doesNotContainKey(EvictionRequest.ANNOTATION);
    }

    @Test
    void podsOfNoFleetOrNotServingAreEvicted(TestNamespace ns, KubernetesClient client) throws Exception {
        readyPod(
                client,
                new PodBuilder()
                        .withNewMetadata()
                        .withName("plain")
                        .endMetadata()
                        .withNewSpec()
                        .addNewContainer()
                        .withName("c")
                        .withImage("ferry.invalid/none:1")
                        .endContainer()
                        .endSpec()
                        .build());
        assertThat(client.pods().withName("plain").evict()).isTrue();

        ServerFleet fleet = fleetWithSessions(client, "cold", "cold-1", 0);
        client.resource(fleetPod("cold-1", fleet)).create(); // never ready
        Answer starting = evict(client, ns.name(), "cold-1", false);
        assertThat(starting.code()).as(starting.body()).isBetween(200, 201);
        assertThat(client.pods().withName("cold-1").get())
                .satisfiesAnyOf(
                        p -> assertThat(p).isNull(),
                        p -> assertThat(p.getMetadata().getDeletionTimestamp()).isNotNull());
    }

    /** A fleet whose status says {@code pod} holds {@code sessions}, as the leader's status patch would. */
    private static ServerFleet fleetWithSessions(KubernetesClient client, String name, String pod, long sessions) {
        ServerFleet fleet = client.resource(Fleets.valid(name, 2)).create();
        ServerFleetStatus status = new ServerFleetStatus();
        status.setPods(List.of(new FleetPodStatus(pod, FleetPodPhase.Serving, sessions, "r")));
        fleet.setStatus(status);
        return client.resource(fleet).updateStatus();
    }

    private static Pod fleetPod(String name, ServerFleet fleet) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(Map.of(FleetLabels.FLEET, fleet.getMetadata().getName(), FleetLabels.SERVING, "true"))
                .withOwnerReferences(FleetLabels.ownerReference(fleet))
                .endMetadata()
                .withNewSpec()
                .withAutomountServiceAccountToken(false)
                .addNewContainer()
                .withName("server")
                .withImage(Fleets.IMAGE)
                .endContainer()
                .endSpec()
                .build();
    }

    /** Creates the pod and sets the status a kubelet would: running, ready, with an address (none runs here). */
    private static void readyPod(KubernetesClient client, Pod pod) {
        pod.getSpec().setAutomountServiceAccountToken(false);
        client.resource(pod).create();
        client.pods().withName(pod.getMetadata().getName()).editStatus(p -> {
            p.setStatus(new PodStatusBuilder()
                    .withPhase("Running")
                    .withPodIP("127.0.0.253")
                    .addNewPodIP("127.0.0.253")
                    .addNewCondition()
                    .withType("Ready")
                    .withStatus("True")
                    .endCondition()
                    .build());
            return p;
        });
    }

    record Answer(int code, String body) {
        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }
    }

    /** POST pods/NAME/eviction as kubectl drain does (policy/v1), optionally as a server-side dry run. */
    private static Answer evict(KubernetesClient client, String namespace, String pod, boolean dryRun)
            throws Exception {
        String body = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"" + pod
                + "\",\"namespace\":\"" + namespace + "\"}"
                + (dryRun ? ",\"deleteOptions\":{\"dryRun\":[\"All\"]}" : "") + "}";
        String url = client.getMasterUrl().toString().replaceAll("/$", "") + "/api/v1/namespaces/" + namespace
                + "/pods/" + pod + "/eviction";
        HttpClient http = client.getHttpClient();
        HttpRequest request = http.newHttpRequestBuilder()
                .uri(url)
                .post("application/json", body)
                .build();
        HttpResponse<String> response = http.sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
        return new Answer(response.code(), response.body());
    }
}
