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

    /**
     * The operator's half of the monitoring check (the servers' half, and the rules and dashboard, are
     * server-image's MonitoringNamesTest): after a fleet is reconciled, every metric docs/metrics.md lists
     * under "Operator metrics" is exported here, and every ferry_* family exported here is listed.
     */
    @Test
    void theMetricsDocumentedForTheOperatorAreExactlyThoseItExports() throws Exception {
        String ns = ControlPlaneOperatorResource.namespace;
        try (KubernetesClient admin = ControlPlane.get().newAdminClient(ns)) {
            admin.resource(Fleets.valid("metrics", 1)).create();
            await("a reconciled fleet").atMost(Duration.ofSeconds(60)).until(() -> {
                ServerFleet f =
                        admin.resources(ServerFleet.class).withName("metrics").get();
                return f.getStatus() != null && f.getStatus().getReplicas() != null;
            });
        }
        HttpResponse<String> scrape = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).isEqualTo(200);
        java.nio.file.Path saved = java.nio.file.Path.of("target", "monitoring", "operator.prom");
        java.nio.file.Files.createDirectories(saved.getParent());
        java.nio.file.Files.writeString(saved, scrape.body());

        java.util.Map<String, String> families = new java.util.TreeMap<>();
        java.util.Set<String> samples = new java.util.TreeSet<>();
        for (String line : scrape.body().split("\n")) {
            String[] parts = line.split("\\s+");
            if (line.startsWith("# TYPE ") && parts.length >= 4) families.put(parts[2], parts[3]);
            else if (!line.isBlank() && !line.startsWith("#")) samples.add(parts[0].replaceAll("\\{.*", ""));
        }
        java.util.Set<String> documented = documented(java.nio.file.Files.readString(
                java.nio.file.Path.of(System.getProperty("ferry.repo.root", ".."), "docs", "metrics.md")));
        assertThat(documented).as("docs/metrics.md, Operator metrics").isNotEmpty();
        assertThat(documented.stream().filter(n -> !families.containsKey(n) && !samples.contains(n)))
                .as(
                        "operator metrics docs/metrics.md lists that the operator does not export (it exports %s)",
                        families.keySet())
                .isEmpty();
        assertThat(families.keySet().stream().filter(n -> n.startsWith("ferry_") && !documented.contains(n)))
                .as("ferry_* families the operator exports that docs/metrics.md omits")
                .isEmpty();
    }

    /** The backticked names at the start of table rows in docs/metrics.md's "## Operator metrics" section. */
    static java.util.Set<String> documented(String markdown) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        boolean in = false;
        java.util.regex.Pattern row = java.util.regex.Pattern.compile("\\|\\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`");
        for (String line : markdown.split("\n")) {
            if (line.startsWith("## ")) in = line.substring(3).strip().equals("Operator metrics");
            else if (in) {
                java.util.regex.Matcher m = row.matcher(line);
                if (m.lookingAt()) names.add(m.group(1));
            }
        }
        return names;
    }
}
