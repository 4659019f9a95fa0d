package dev.ferry.operator.quarkus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.controlplane.ControlPlane;
import dev.ferry.operator.cluster.Fleets;
import dev.ferry.operator.model.ServerFleet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The packaged Quarkus operator (QOSDK wiring, application.properties) reconciles a fleet on the
 * real API server under its least-privilege ServiceAccount.
 */
@QuarkusTest
@QuarkusTestResource(value = ControlPlaneOperatorResource.class, restrictToAnnotatedClass = true)
// First (junit-platform.properties): see ControlPlaneOperatorResource.
@org.junit.jupiter.api.Order(1)
class QuarkusOperatorTest {

    @Test
    void theQuarkusOperatorCreatesTheFleetsPods() {
        String ns = ControlPlaneOperatorResource.namespace;
        try (KubernetesClient admin = ControlPlane.get().newAdminClient(ns)) {
            admin.resource(Fleets.valid("quarkus", 2)).create();

            await("2 pods and a status").atMost(Duration.ofSeconds(60)).until(() -> {
                ServerFleet f =
                        admin.resources(ServerFleet.class).withName("quarkus").get();
                return admin.pods()
                                        .withLabel("ferry.dev/fleet", "quarkus")
                                        .list()
                                        .getItems()
                                        .size()
                                == 2
                        && f.getStatus() != null
                        && f.getStatus().getReplicas() != null
                        && f.getStatus().getReplicas() == 2;
            });
            assertThat(admin.services().withName("quarkus").get()).isNotNull();
            assertThat(admin.secrets().withName("quarkus-admin-token").get()).isNotNull();
        }
    }

    @TestHTTPResource("/q/metrics")
    URI metrics;

    @Test
    void theOperatorExportsPrometheusMetrics() throws Exception {
        HttpResponse<String> scrape = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).isEqualTo(200);
        // JOSDK's reconciler metrics (through QOSDK's Micrometer binding) next to the JVM's.
        assertThat(scrape.body())
                .contains("operator_sdk_reconciliations_queue_size_serverfleet")
                .contains("jvm_memory_used_bytes");
    }
}
