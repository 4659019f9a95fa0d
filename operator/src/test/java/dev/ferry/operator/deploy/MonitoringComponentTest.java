package dev.ferry.operator.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ferry.controlplane.TestNamespace;
import dev.ferry.controlplane.WithControlPlane;
import dev.ferry.operator.resources.FleetLabels;
import dev.ferry.operator.resources.FleetPod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The optional monitoring component (deploy/monitoring, a kustomize Component) added to an overlay of deploy/,
 * rendered by the real kubectl: the PodMonitors select what the operator creates and what deploy/ installs, on
 * the ports and paths that serve metrics; every alert is complete; the dashboard ConfigMap holds the dashboard.
 * The prometheus-operator CRDs are not installed here, so the objects are checked by their structure. Which
 * metrics the rules and the dashboard may name: server-image's MonitoringNamesTest.
 */
@WithControlPlane
class MonitoringComponentTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> FILES =
            List.of("pod-monitors.yaml", "prometheus-rule.yaml", "grafana-dashboard.json");
    private static List<JsonNode> rendered;
    private static List<JsonNode> defaultInstall;
    private static Helm helm;

    @BeforeAll
    static void render(TestNamespace ns) throws IOException {
        Kubectl kubectl = new Kubectl(ns.controlPlane());
        Path overlay = Files.createTempDirectory(
                Files.createDirectories(Path.of("target").toAbsolutePath()), "monitoring-overlay-");
        Path deploy = DeployFiles.deployDir();
        Files.writeString(
                overlay.resolve("kustomization.yaml"),
                "apiVersion: kustomize.config.k8s.io/v1beta1\n"
                        + "kind: Kustomization\n"
                        + "resources:\n  - " + overlay.relativize(deploy) + "\n"
                        + "components:\n  - " + overlay.relativize(deploy.resolve("monitoring")) + "\n");
        rendered = documents(
                kubectl.run("kustomize", overlay.toString()).assertSuccess().stdout());
        defaultInstall =
                documents(kubectl.run("kustomize", "deploy/").assertSuccess().stdout());
        helm = new Helm(ns.controlPlane());
    }

    @Test
    void theHelmChartHoldsTheSameFiles() throws IOException {
        Path copies = DeployFiles.repoRoot().resolve(Helm.CHART).resolve("files/monitoring");
        for (String file : FILES) {
            assertThat(Files.readString(copies.resolve(file)))
                    .as("deploy/helm/ferry/files/monitoring/" + file + " is a copy of deploy/monitoring/" + file)
                    .isEqualTo(Files.readString(
                            DeployFiles.deployDir().resolve("monitoring").resolve(file)));
        }
    }

    @Test
    void theHelmChartRendersTheComponentsObjectsEachOnItsSwitchWithTheLabelsAPrometheusSelects() throws IOException {
        List<JsonNode> none =
                documents(helm.template(DeployFiles.NAMESPACE).assertSuccess().stdout());
        assertThat(names(none))
                .noneMatch(n -> n.startsWith("PodMonitor/")
                        || n.startsWith("PrometheusRule/")
                        || n.equals("ConfigMap/ferry-grafana-dashboard"));

        List<JsonNode> all = documents(helm.template(
                        DeployFiles.NAMESPACE,
                        "--set",
                        "monitoring.podMonitors.enabled=true,monitoring.prometheusRule.enabled=true",
                        "--set",
                        "monitoring.grafanaDashboard.enabled=true,monitoring.labels.release=kube-prometheus-stack")
                .assertSuccess()
                .stdout());
        for (String name : List.of(
                "PodMonitor/ferry-fleets",
                "PodMonitor/ferry-operator",
                "PrometheusRule/ferry",
                "ConfigMap/ferry-grafana-dashboard")) {
            JsonNode fromChart = byName(all, name);
            JsonNode fromComponent = byName(rendered, name);
            assertThat(fromChart.path("metadata").path("namespace").asText())
                    .as(name)
                    .isEqualTo(DeployFiles.NAMESPACE);
            assertThat(fromChart.path("metadata").path("labels").path("release").asText())
                    .as(name + " carries monitoring.labels")
                    .isEqualTo("kube-prometheus-stack");
            fromComponent
                    .path("metadata")
                    .path("labels")
                    .properties()
                    .forEach(l -> assertThat(
                                    fromChart.path("metadata").path("labels").path(l.getKey()))
                            .as(name + " label " + l.getKey())
                            .isEqualTo(l.getValue()));
            String body = name.startsWith("ConfigMap/") ? "data" : "spec";
            assertThat(fromChart.path(body)).as(name + " " + body).isEqualTo(fromComponent.path(body));
        }
        // The alerts' templates are Prometheus's, not Helm's: they reach the rule as written.
        assertThat(byName(all, "PrometheusRule/ferry").toString()).contains("{{ $labels.pod }}");

        List<JsonNode> rulesOnly =
                documents(helm.template(DeployFiles.NAMESPACE, "--set", "monitoring.prometheusRule.enabled=true")
                        .assertSuccess()
                        .stdout());
        assertThat(names(rulesOnly))
                .contains("PrometheusRule/ferry")
                .doesNotContain("PodMonitor/ferry-fleets", "ConfigMap/ferry-grafana-dashboard");
        Kubectl.Result refused = helm.template(DeployFiles.NAMESPACE, "--set", "monitoring.podMonitors.enabled=yes");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stderr()).contains("/monitoring/podMonitors/enabled");
    }

    private static JsonNode byName(List<JsonNode> objects, String kindAndName) {
        return objects.stream()
                .filter(o -> (o.path("kind").asText() + "/"
                                + o.path("metadata").path("name").asText())
                        .equals(kindAndName))
                .findFirst()
                .orElseThrow(() -> new AssertionError(kindAndName + " not rendered"));
    }

    @Test
    void theComponentAddsItsObjectsToTheInstallAndTheDefaultInstallHasNone() {
        assertThat(rendered.size()).isEqualTo(defaultInstall.size() + 4);
        assertThat(names(rendered))
                .contains(
                        "PodMonitor/ferry-fleets",
                        "PodMonitor/ferry-operator",
                        "PrometheusRule/ferry",
                        "ConfigMap/ferry-grafana-dashboard");
        assertThat(names(defaultInstall))
                .noneMatch(n -> n.startsWith("PodMonitor/") || n.startsWith("PrometheusRule/"));
        for (String kind : List.of("PodMonitor", "PrometheusRule")) {
            for (JsonNode o : ofKind(kind)) {
                assertThat(o.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
                assertThat(o.path("metadata").path("namespace").asText()).isEqualTo(DeployFiles.NAMESPACE);
            }
        }
    }

    @Test
    void theFleetPodMonitorScrapesEveryFleetPodOnItsAdminPort() {
        JsonNode spec = one("PodMonitor", "ferry-fleets").path("spec");
        assertThat(spec.path("namespaceSelector").path("any").asBoolean()).isTrue();
        JsonNode expression = spec.path("selector").path("matchExpressions").get(0);
        assertThat(expression.path("key").asText()).isEqualTo(FleetLabels.FLEET);
        assertThat(expression.path("operator").asText()).isEqualTo("Exists");
        JsonNode endpoint = spec.path("podMetricsEndpoints").get(0);
        assertThat(endpoint.path("port").asText()).isEqualTo(FleetPod.ADMIN_PORT_NAME);
        assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
        // The fleet label the rules and the dashboard group by comes from the pod's ferry.dev/fleet label.
        assertThat(StreamSupport.stream(endpoint.path("relabelings").spliterator(), false)
                        .filter(r -> r.path("targetLabel").asText().equals("fleet"))
                        .map(r -> r.path("sourceLabels").get(0).asText()))
                .containsExactly("__meta_kubernetes_pod_label_" + FleetLabels.FLEET.replaceAll("[^a-zA-Z0-9_]", "_"));
    }

    @Test
    void theOperatorPodMonitorSelectsTheOperatorPodsOnTheirMetricsPort() {
        JsonNode spec = one("PodMonitor", "ferry-operator").path("spec");
        JsonNode template = one("Deployment", DeployFiles.OPERATOR).path("spec").path("template");
        spec.path("selector")
                .path("matchLabels")
                .fields()
                .forEachRemaining(label -> assertThat(template.path("metadata")
                                .path("labels")
                                .path(label.getKey())
                                .asText())
                        .isEqualTo(label.getValue().asText()));
        JsonNode endpoint = spec.path("podMetricsEndpoints").get(0);
        JsonNode container = template.path("spec").path("containers").get(0);
        JsonNode port = StreamSupport.stream(container.path("ports").spliterator(), false)
                .filter(p ->
                        p.path("name").asText().equals(endpoint.path("port").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the operator container has no port " + endpoint.path("port")));
        assertThat(endpoint.path("path").asText()).isEqualTo("/q/metrics");
        JsonNode annotations = template.path("metadata").path("annotations");
        assertThat(annotations.path("prometheus.io/path").asText())
                .isEqualTo(endpoint.path("path").asText());
        assertThat(annotations.path("prometheus.io/port").asText())
                .isEqualTo(port.path("containerPort").asText());
    }

    @Test
    void everyAlertHasAnExpressionADurationASeverityAndSaysWhatToDo() {
        Set<String> alerts = new HashSet<>();
        List<String> problems = new ArrayList<>();
        for (JsonNode group : one("PrometheusRule", "ferry").path("spec").path("groups")) {
            assertThat(group.path("name").asText()).isNotBlank();
            for (JsonNode rule : group.path("rules")) {
                String alert = rule.path("alert").asText();
                if (alert.isBlank() || !alerts.add(alert)) problems.add("missing or repeated alert name: " + rule);
                if (rule.path("expr").asText().isBlank()) problems.add(alert + ": no expr");
                if (!rule.path("for").asText().matches("[0-9]+[smh]"))
                    problems.add(alert + ": for " + rule.path("for"));
                if (!Set.of("critical", "warning", "info")
                        .contains(rule.path("labels").path("severity").asText()))
                    problems.add(alert + ": severity " + rule.path("labels").path("severity"));
                for (String a : List.of("summary", "description")) {
                    if (rule.path("annotations").path(a).asText().isBlank()) problems.add(alert + ": no " + a);
                }
                if (rule.path("annotations").path("description").asText().length() < 120)
                    problems.add(alert + ": a description too short to say what to do");
            }
        }
        assertThat(problems).isEmpty();
        assertThat(alerts)
                .contains(
                        "FerryDrainStuck",
                        "FerryMigrationsFailing",
                        "FerryContextStoreDown",
                        "FerryClaimsTakenOver",
                        "FerryPodOverSessionTarget");
    }

    @Test
    void theDashboardConfigMapHoldsTheDashboardForGrafanasSidecar() throws IOException {
        JsonNode cm = one("ConfigMap", "ferry-grafana-dashboard");
        assertThat(cm.path("metadata").path("labels").path("grafana_dashboard").asText())
                .isEqualTo("1");
        String json = cm.path("data").path("grafana-dashboard.json").asText();
        assertThat(json)
                .isEqualTo(Files.readString(DeployFiles.deployDir().resolve("monitoring/grafana-dashboard.json")));
        JsonNode dashboard = JSON.readTree(json);
        assertThat(dashboard.path("uid").asText()).isEqualTo("ferry-overview");
        assertThat(dashboard.path("panels").size()).isGreaterThan(10);
    }

    private static List<JsonNode> documents(String yaml) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (var it = new YAMLMapper().readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && n.isObject()) docs.add(n);
            }
        }
        return docs;
    }

    private static List<String> names(List<JsonNode> objects) {
        return objects.stream()
                .map(o -> o.path("kind").asText() + "/"
                        + o.path("metadata").path("name").asText())
                .toList();
    }

    private static List<JsonNode> ofKind(String kind) {
        return rendered.stream()
                .filter(o -> o.path("kind").asText().equals(kind))
                .toList();
    }

    private static JsonNode one(String kind, String name) {
        return ofKind(kind).stream()
                .filter(o -> o.path("metadata").path("name").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + "/" + name + " in " + names(rendered)));
    }
}
