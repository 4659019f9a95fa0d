package dev.ferry.operator.deploy;

import static dev.ferry.operator.deploy.DeployFiles.NAMESPACE;
import static dev.ferry.operator.deploy.DeployFiles.OPERATOR;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.controlplane.TestNamespace;
import dev.ferry.controlplane.WithControlPlane;
import dev.ferry.operator.webhook.WebhookCertificates;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart deploy/helm/ferry with the helm that scripts/control-plane.sh builds: it lints, its schema refuses
 * bad values with a message that names them, it renders the objects of {@code kubectl apply -k deploy/} with the same
 * specs (image, RBAC rules, webhook, operator and Redis pods) and the one CRD of crds/, the real kube-apiserver accepts
 * every object it renders (a server-side dry run), and with watched namespaces its Roles give the operator's
 * ServiceAccount what it needs there and nothing elsewhere. Versions: the chart, deploy/ and the images all name the
 * project version.
 */
@WithControlPlane
class HelmChartTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VERSION = System.getProperty("ferry.project.version");

    private static Helm helm;
    private static Kubectl kubectl;
    private static List<HasMetadata> chart;
    private static List<HasMetadata> kustomize;

    @BeforeAll
    static void render(TestNamespace ns) {
        assertThat(VERSION)
                .as("-Dferry.project.version (operator/pom.xml sets it)")
                .isNotBlank();
        helm = new Helm(ns.controlPlane());
        kubectl = new Kubectl(ns.controlPlane());
        chart = load(ns, helm.template(NAMESPACE).assertSuccess().stdout());
        kustomize = load(ns, kubectl.run("kustomize", "deploy/").assertSuccess().stdout());
    }

    @Test
    void theChartDeployAndTheImagesNameTheProjectVersion() throws Exception {
        String chartYaml = Files.readString(chartDir().resolve("Chart.yaml"));
        assertThat(chartYaml).containsPattern("(?m)^version: " + java.util.regex.Pattern.quote(VERSION) + "$");
        assertThat(chartYaml).containsPattern("(?m)^appVersion: \"" + java.util.regex.Pattern.quote(VERSION) + "\"$");
        String image = "localhost/ferry/operator:" + VERSION;
        assertThat(operatorContainer(chart).getImage())
                .as("the chart's default image")
                .isEqualTo(image);
        assertThat(operatorContainer(kustomize).getImage())
                .as("deploy/'s image")
                .isEqualTo(image);
        String kustomization = Files.readString(DeployFiles.deployDir().resolve("kustomization.yaml"));
        assertThat(kustomization)
                .as("deploy/kustomization.yaml's images: the one place deploy/ names the operator's tag")
                .contains("  - name: localhost/ferry/operator\n    newTag: " + VERSION + "\n");
        try (var examples = Files.list(DeployFiles.examplesDir())) {
            for (Path example : examples.filter(f ->
                            f.toString().endsWith("fleet.yaml") || f.toString().endsWith("migration.yaml"))
                    .toList()) {
                assertThat(Files.readString(example))
                        .as(example + " runs the server image of this version")
                        .contains("image: localhost/ferry/server:" + VERSION + "\n");
            }
        }
    }

    @Test
    void itsCrdIsTheOneOfCrds() throws Exception {
        String file = "serverfleets.ferry.dev-v1.yml";
        assertThat(Files.readString(chartDir().resolve("crds").resolve(file)))
                .as("deploy/helm/ferry/crds/" + file + " is a copy of crds/" + file
                        + " (CrdDriftIT with -Dferry.updateCrds=true updates both)")
                .isEqualTo(
                        Files.readString(DeployFiles.repoRoot().resolve("crds").resolve(file)));
    }

    @Test
    void helmLintPassesStrictlyWithTheDefaultsAndWatchedNamespaces() {
        for (String[] values :
                List.of(new String[0], new String[] {"--set", "watchNamespaces={apps,games}"}, new String[] {
                    "--set", "redis.enabled=false,webhook.enabled=false,replicas=1,logLevel=DEBUG"
                })) {
            String[] args = concat(new String[] {"lint", "--strict", Helm.CHART.toString()}, values);
            Kubectl.Result lint = helm.run(args).assertSuccess();
            assertThat(lint.stdout()).as(String.join(" ", args)).contains("1 chart(s) linted, 0 chart(s) failed");
        }
    }

    @Test
    void badValuesFailWithAMessageNamingThem() {
        Map<String, List<String>> expected = Map.of(
                "replicas=0", List.of("/replicas", "minimum"),
                "logLevel=TRACE", List.of("/logLevel", "must be one of 'ERROR', 'WARN', 'INFO', 'DEBUG'"),
                "image.pullPolicy=Sometimes", List.of("/image/pullPolicy", "must be one of"),
                "watchNamespaces={Not_A_Namespace}", List.of("/watchNamespaces/0", "Not_A_Namespace"),
                "replica=3", List.of("additional properties 'replica' not allowed"),
                "redis.enabled=maybe", List.of("/redis/enabled", "want boolean"),
                "resources.limits.memory=lots", List.of("/resources/limits/memory", "lots"));
        expected.forEach((value, words) -> {
            Kubectl.Result r = helm.template(NAMESPACE, "--set", value);
            assertThat(r.exitCode()).as(value + " is refused").isNotZero();
            assertThat(r.stderr()).as(value).contains("values don't meet the specifications of the schema");
            words.forEach(w -> assertThat(r.stderr()).as(value).contains(w));
        });
    }

    @Test
    void itRendersTheObjectsOfDeployWithTheSameSpecs() {
        Map<String, HasMetadata> fromChart = byKindAndName(chart);
        Map<String, HasMetadata> fromDeploy = byKindAndName(kustomize);
        // Helm installs into an existing namespace (helm install --create-namespace); deploy/ creates ferry-system.
        assertThat(fromChart.keySet())
                .containsExactlyInAnyOrderElementsOf(fromDeploy.keySet().stream()
                        .filter(k -> !k.startsWith("Namespace/"))
                        .toList());
        fromDeploy.forEach((key, deployed) -> {
            if (key.startsWith("Namespace/")) return;
            HasMetadata rendered = fromChart.get(key);
            assertThat(rendered.getMetadata().getNamespace())
                    .as(key)
                    .isEqualTo(deployed.getMetadata().getNamespace());
            if (!key.startsWith("CustomResourceDefinition/")) { // crds/ is installed as it is, never templated
                assertThat(labels(rendered)).as(key + " labels").containsAllEntriesOf(labels(deployed));
            }
            assertThat(comparable(rendered)).as(key).isEqualTo(comparable(deployed));
        });
    }

    @Test
    void theRealApiServerAcceptsEveryRenderedObject(TestNamespace ns) {
        String watched = ns.createExtraNamespace("fleets");
        for (String[] values : List.of(new String[0], new String[] {"--set", "watchNamespaces={" + watched + "}"})) {
            String yaml = helm.template(ns.name(), values).assertSuccess().stdout();
            List<HasMetadata> objects = load(ns, yaml);
            Kubectl.Result dryRun = kubectl.runWithInput(
                            yaml, "apply", "--server-side", "--force-conflicts", "--dry-run=server", "-f", "-")
                    .assertSuccess();
            for (HasMetadata o : objects) {
                assertThat(dryRun.stdout())
                        .as(String.join(" ", values))
                        .contains(o.getMetadata().getName() + " serverside-applied (server dry run)");
            }
        }
    }

    @Test
    void withWatchedNamespacesTheOperatorGetsRolesThereAndNothingElsewhere(TestNamespace ns, KubernetesClient admin) {
        String watched = ns.createExtraNamespace("watched");
        String other = ns.createExtraNamespace("other");
        List<HasMetadata> objects = load(
                ns,
                helm.template(ns.name(), "--set", "watchNamespaces={" + watched + "}")
                        .assertSuccess()
                        .stdout());

        // The rules: the fleet rules of deploy/'s ClusterRole in a Role of the watched namespace; cluster-wide only
        // what is cluster-scoped.
        List<PolicyRule> deployRules =
                find(kustomize, ClusterRole.class, OPERATOR).getRules();
        Set<String> clusterScoped = Set.of("nodes", "validatingwebhookconfigurations");
        Role role = objects.stream()
                .filter(Role.class::isInstance)
                .map(Role.class::cast)
                .filter(r -> r.getMetadata().getNamespace().equals(watched))
                .collect(single());
        assertThat(role.getRules())
                .isEqualTo(deployRules.stream()
                        .filter(r -> !clusterScoped.contains(r.getResources().getFirst()))
                        .toList());
        assertThat(find(objects, ClusterRole.class, OPERATOR).getRules())
                .isEqualTo(deployRules.stream()
                        .filter(r -> clusterScoped.contains(r.getResources().getFirst()))
                        .toList());
        Container operator = operatorContainer(objects);
        assertThat(operator.getEnv())
                .filteredOn(e -> e.getName().equals("QUARKUS_OPERATOR_SDK_NAMESPACES"))
                .singleElement()
                .extracting(EnvVar::getValue)
                .isEqualTo(watched);
        ValidatingWebhookConfiguration webhook =
                find(objects, ValidatingWebhookConfiguration.class, WebhookCertificates.CONFIGURATION);
        assertThat(webhook.getWebhooks().getFirst().getNamespaceSelector().getMatchExpressions())
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.getOperator()).isEqualTo("In");
                    assertThat(e.getValues()).containsExactly(watched);
                });

        // For real: the namespaced RBAC objects (the cluster-wide ones are shared with other tests of this API
        // server, and deploy/'s ClusterRole grants nothing to a ServiceAccount of this namespace).
        objects.stream()
                .filter(o -> o.getMetadata().getNamespace() != null)
                .filter(o -> Set.of("ServiceAccount", "Role", "RoleBinding").contains(o.getKind()))
                .forEach(o -> admin.resource(o).serverSideApply());
        String sa = "system:serviceaccount:" + ns.name() + ":" + OPERATOR;
        Map<String, Boolean> expected = Map.ofEntries(
                Map.entry("ferry.dev serverfleets  watch " + watched, true),
                Map.entry("ferry.dev serverfleets status patch " + watched, true),
                Map.entry(" pods  create " + watched, true),
                Map.entry(" pods  delete " + watched, true),
                Map.entry(" services  patch " + watched, true),
                Map.entry(" secrets  create " + watched, true),
                Map.entry("policy poddisruptionbudgets  delete " + watched, true),
                Map.entry("events.k8s.io events  create " + watched, true),
                Map.entry("autoscaling horizontalpodautoscalers  watch " + watched, true),
                Map.entry("coordination.k8s.io leases  update " + ns.name(), true),
                Map.entry(" secrets  update " + ns.name() + " " + WebhookCertificates.SECRET, true),
                Map.entry(" secrets  list " + watched, false),
                Map.entry(" pods  create " + other, false),
                Map.entry("ferry.dev serverfleets  watch " + other, false),
                Map.entry(" secrets  create " + other, false),
                Map.entry("coordination.k8s.io leases  update " + watched, false));
        Map<String, Boolean> actual =
                expected.keySet().stream().collect(Collectors.toMap(k -> k, k -> allowed(admin, sa, ns.name(), k)));
        assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);
    }

    @Test
    void valuesReachTheObjects(TestNamespace ns) {
        List<HasMetadata> objects = load(
                ns,
                helm.template(
                                NAMESPACE,
                                "--set",
                                "image.repository=registry.example/ferry-operator,image.tag=1.2.3-abcdef0",
                                "--set",
                                "image.pullPolicy=Always,replicas=3,logLevel=DEBUG",
                                "--set",
                                "resources.limits.memory=1Gi,redis.enabled=false,webhook.enabled=false")
                        .assertSuccess()
                        .stdout());
        Deployment d = find(objects, Deployment.class, OPERATOR);
        Container c = operatorContainer(objects);
        assertThat(c.getImage()).isEqualTo("registry.example/ferry-operator:1.2.3-abcdef0");
        assertThat(c.getImagePullPolicy()).isEqualTo("Always");
        assertThat(d.getSpec().getReplicas()).isEqualTo(3);
        assertThat(c.getResources().getLimits().get("memory").toString()).isEqualTo("1Gi");
        assertThat(env(c)).containsEntry("QUARKUS_LOG_LEVEL", "DEBUG").containsEntry("FERRY_WEBHOOK_ENABLED", "false");
        assertThat(objects)
                .extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
                .doesNotContain(
                        "Deployment/ferry-redis",
                        "Service/ferry-redis",
                        "NetworkPolicy/ferry-redis",
                        "Service/ferry-operator-webhook",
                        "ValidatingWebhookConfiguration/ferry-eviction",
                        "Role/ferry-operator-webhook")
                .contains("CustomResourceDefinition/serverfleets.ferry.dev", "Deployment/ferry-operator");
        assertThat(find(objects, ClusterRole.class, OPERATOR).getRules())
                .noneMatch(r -> r.getResources().contains("validatingwebhookconfigurations"));
        assertThat(env(operatorContainer(chart))).containsEntry("QUARKUS_LOG_LEVEL", "INFO");
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private static Path chartDir() {
        return DeployFiles.repoRoot().resolve(Helm.CHART);
    }

    private static List<HasMetadata> load(TestNamespace ns, String yaml) {
        return ns.client()
                .load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)))
                .items();
    }

    private static Map<String, HasMetadata> byKindAndName(List<HasMetadata> objects) {
        return objects.stream()
                .collect(Collectors.toMap(
                        o -> o.getKind() + "/" + o.getMetadata().getName(), Function.identity()));
    }

    private static Map<String, String> labels(HasMetadata o) {
        return o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels();
    }

    /**
     * The object without what may differ between the two installs: metadata (labels: Helm's are more), the labels
     * of a pod template beyond its selector, and the operator's QUARKUS_LOG_LEVEL (a value of the chart only).
     */
    private static JsonNode comparable(HasMetadata o) {
        ObjectNode tree = JSON.valueToTree(o);
        tree.remove("metadata");
        if (o instanceof Deployment d) {
            ObjectNode template = (ObjectNode) tree.path("spec").path("template");
            ObjectNode templateLabels = (ObjectNode) template.path("metadata").path("labels");
            Set<String> selector = d.getSpec().getSelector().getMatchLabels().keySet();
            List<String> names = iterable(templateLabels.fieldNames());
            names.stream().filter(n -> !selector.contains(n)).forEach(templateLabels::remove);
            for (JsonNode container : template.path("spec").path("containers")) {
                if (!(container.path("env") instanceof ArrayNode env)) continue;
                for (int i = env.size() - 1; i >= 0; i--) {
                    if (env.get(i).path("name").asText().equals("QUARKUS_LOG_LEVEL")) env.remove(i);
                }
            }
        }
        return tree;
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> list = new java.util.ArrayList<>();
        it.forEachRemaining(list::add);
        return list;
    }

    private static <T extends HasMetadata> T find(List<HasMetadata> objects, Class<T> type, String name) {
        return objects.stream()
                .filter(type::isInstance)
                .map(type::cast)
                .filter(o -> o.getMetadata().getName().equals(name))
                .collect(single());
    }

    private static <T> java.util.stream.Collector<T, ?, T> single() {
        return Collectors.collectingAndThen(Collectors.toList(), l -> {
            assertThat(l).hasSize(1);
            return l.getFirst();
        });
    }

    private static Container operatorContainer(List<HasMetadata> objects) {
        return find(objects, Deployment.class, OPERATOR)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .getFirst();
    }

    private static Map<String, String> env(Container c) {
        return c.getEnv().stream()
                .filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** "group resource subresource verb namespace [name]" asked for {@code user} of ServiceAccount namespace {@code saNs}. */
    private static boolean allowed(KubernetesClient admin, String user, String saNs, String query) {
        String[] q = query.split(" ", -1);
        return admin.authorization()
                .v1()
                .subjectAccessReview()
                .create(new SubjectAccessReviewBuilder()
                        .withNewSpec()
                        .withUser(user)
                        .withGroups("system:serviceaccounts", "system:serviceaccounts:" + saNs, "system:authenticated")
                        .withNewResourceAttributes()
                        .withGroup(q[0])
                        .withResource(q[1])
                        .withSubresource(q[2].isEmpty() ? null : q[2])
                        .withVerb(q[3])
                        .withNamespace(q[4].isEmpty() ? null : q[4])
                        .withName(q.length > 5 && !q[5].isEmpty() ? q[5] : null)
                        .endResourceAttributes()
                        .endSpec()
                        .build())
                .getStatus()
                .getAllowed();
    }
}
