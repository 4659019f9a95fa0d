package dev.ferry.operator.deploy;

import static dev.ferry.operator.deploy.DeployFiles.NAMESPACE;
import static dev.ferry.operator.deploy.DeployFiles.OPERATOR;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.controlplane.TestNamespace;
import dev.ferry.controlplane.WithControlPlane;
import dev.ferry.operator.cluster.ServerFleetCrd;
import dev.ferry.operator.webhook.WebhookCertificates;
import dev.ferry.operator.webhook.WebhookServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The install path, {@code kubectl apply --server-side -k deploy/}, with the real kubectl against the real
 * API server: what it renders, that every object is created, that the operator's ServiceAccount it installs
 * has exactly the rights the reconciler needs, and that the example fleets are accepted (an invalid one is
 * not). What the ServiceAccount is refused in practice: OperatorRbacTest (which binds the same deploy/rbac.yaml).
 */
@WithControlPlane
class DeployKustomizationTest {

    private static Kubectl kubectl;
    private static List<HasMetadata> rendered;
    private static Kubectl.Result applied;

    @BeforeAll
    static void install(TestNamespace ns) {
        kubectl = new Kubectl(ns.controlPlane());
        String yaml = kubectl.run("kustomize", "deploy/").assertSuccess().stdout();
        rendered = ns.client()
                .load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)))
                .items();
        // --force-conflicts: other tests of the same control plane apply the same CRD and ClusterRole with the client.
        applied = kubectl.run("apply", "--server-side", "--force-conflicts", "-k", "deploy/");
        ServerFleetCrd.install(ns.client()); // waits until the CRD is established
    }

    @Test
    void rendersTheCrdNamespaceRbacOperatorAndRedis() {
        assertThat(rendered.stream()
                        .map(o -> o.getKind() + "/" + o.getMetadata().getName()))
                .containsExactlyInAnyOrder(
                        "Namespace/ferry-system",
                        "CustomResourceDefinition/serverfleets.ferry.dev",
                        "ServiceAccount/ferry-operator",
                        "ClusterRole/ferry-operator",
                        "ClusterRoleBinding/ferry-operator",
                        "Role/ferry-operator-leader-election",
                        "RoleBinding/ferry-operator-leader-election",
                        "Role/ferry-operator-webhook",
                        "RoleBinding/ferry-operator-webhook",
                        "Service/ferry-operator-webhook",
                        "ValidatingWebhookConfiguration/ferry-eviction",
                        "Deployment/ferry-operator",
                        "Deployment/ferry-redis",
                        "Service/ferry-redis",
                        "NetworkPolicy/ferry-redis");
        assertThat(rendered)
                .filteredOn(o -> o.getMetadata().getNamespace() != null)
                .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo(NAMESPACE));
    }

    @Test
    void theOperatorDeploymentIsHardenedAndProbedOnQuarkusHealth() {
        Deployment d = deployment(OPERATOR);
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().getFirst();
        assertThat(c.getImage()).isEqualTo("localhost/ferry/operator:" + System.getProperty("ferry.project.version"));
        assertThat(pod.getServiceAccountName()).isEqualTo(OPERATOR);
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(c.getResources().getLimits()).containsKey("memory");
        assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(c.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("POD_NAME");
            assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        });
        assertThat(c.getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
        assertThat(c.getPorts()).anySatisfy(p -> {
            assertThat(p.getName()).isEqualTo("webhook");
            assertThat(p.getContainerPort()).isEqualTo(9443);
        });
        assertThat(c.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("POD_NAMESPACE");
            assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
        });

        Container redis = deployment("ferry-redis")
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .getFirst();
        assertThat(redis.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(deployment("ferry-redis")
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getSecurityContext()
                        .getRunAsNonRoot())
                .isTrue();
        assertThat(redis.getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/data"));
    }

    @Test
    void applyServerSideCreatesEveryObject(KubernetesClient admin) {
        applied.assertSuccess();
        for (HasMetadata o : rendered) {
            assertThat(admin.resource(o).get())
                    .as(o.getKind() + "/" + o.getMetadata().getName())
                    .isNotNull();
        }
        // Applying again is a no-op that succeeds (the install path is re-runnable).
        kubectl.run("apply", "--server-side", "--force-conflicts", "-k", "deploy/")
                .assertSuccess();
        Deployment live = admin.apps()
                .deployments()
                .inNamespace(NAMESPACE)
                .withName(OPERATOR)
                .get();
        assertThat(live.getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .getFirst()
                        .getSecurityContext()
                        .getReadOnlyRootFilesystem())
                .isTrue();
    }

    @Test
    void theInstalledServiceAccountHasExactlyWhatTheReconcilerNeeds(TestNamespace ns, KubernetesClient admin) {
        applied.assertSuccess();
        String fleets = ns.name();
        Map<String, Boolean> expected = Map.ofEntries(
                // what the reconciler does (ServerFleetReconcilerTest runs it under the same ClusterRole)
                Map.entry("ferry.dev serverfleets  list " + fleets, true),
                Map.entry("ferry.dev serverfleets  watch " + fleets, true),
                Map.entry("ferry.dev serverfleets status patch " + fleets, true),
                Map.entry("ferry.dev serverfleets scale update " + fleets, true),
                Map.entry("autoscaling horizontalpodautoscalers  watch " + fleets, true),
                Map.entry(" pods  create " + fleets, true),
                Map.entry(" pods  watch " + fleets, true),
                Map.entry(" pods  patch " + fleets, true),
                Map.entry(" pods  delete " + fleets, true),
                Map.entry(" services  create " + fleets, true),
                Map.entry(" services  patch " + fleets, true),
                Map.entry(" secrets  get " + fleets, true),
                Map.entry(" secrets  create " + fleets, true),
                Map.entry("events.k8s.io events  create " + fleets, true),
                Map.entry(" nodes  watch ", true),
                Map.entry("policy poddisruptionbudgets  watch " + fleets, true),
                Map.entry("policy poddisruptionbudgets  patch " + fleets, true),
                Map.entry("policy poddisruptionbudgets  delete " + fleets, true),
                Map.entry("coordination.k8s.io leases  update " + NAMESPACE, true),
                Map.entry("coordination.k8s.io leases  create " + NAMESPACE, true),
                // the eviction webhook: its Secret in its own namespace, and only its own configuration
                Map.entry(" secrets  create " + NAMESPACE, true),
                Map.entry(" secrets  update " + NAMESPACE + " " + WebhookCertificates.SECRET, true),
                Map.entry(
                        "admissionregistration.k8s.io validatingwebhookconfigurations  get  "
                                + WebhookCertificates.CONFIGURATION,
                        true),
                Map.entry(
                        "admissionregistration.k8s.io validatingwebhookconfigurations  patch  "
                                + WebhookCertificates.CONFIGURATION,
                        true),
                Map.entry("admissionregistration.k8s.io validatingwebhookconfigurations  patch  other", false),
                Map.entry("admissionregistration.k8s.io validatingwebhookconfigurations  list ", false),
                Map.entry(
                        "admissionregistration.k8s.io validatingwebhookconfigurations  delete  "
                                + WebhookCertificates.CONFIGURATION,
                        false),
                Map.entry("admissionregistration.k8s.io mutatingwebhookconfigurations  patch ", false),
                Map.entry(" secrets  update " + fleets + " other", false),
                // and what it must not
                Map.entry(" nodes  delete ", false),
                Map.entry(" nodes  patch ", false),
                Map.entry(" secrets  list " + fleets, false),
                Map.entry(" secrets  watch " + fleets, false),
                Map.entry(" secrets  delete " + fleets, false),
                Map.entry(" pods exec create " + fleets, false),
                // it drains pods itself and never evicts: a budget holds back others, not the operator
                Map.entry(" pods eviction create " + fleets, false),
                Map.entry("ferry.dev serverfleets  patch " + fleets, false),
                Map.entry("ferry.dev serverfleets  delete " + fleets, false),
                Map.entry("autoscaling horizontalpodautoscalers  patch " + fleets, false),
                Map.entry("coordination.k8s.io leases  create " + fleets, false),
                Map.entry("apps deployments  create " + fleets, false),
                Map.entry(" configmaps  list " + fleets, false),
                Map.entry("rbac.authorization.k8s.io clusterroles  list ", false),
                Map.entry("rbac.authorization.k8s.io clusterrolebindings  create ", false),
                Map.entry("apiextensions.k8s.io customresourcedefinitions  delete ", false));
        Map<String, Boolean> actual =
                expected.keySet().stream().collect(Collectors.toMap(k -> k, k -> allowed(admin, k)));
        assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);

        // A real token of the installed ServiceAccount works, and is refused what RBAC does not grant.
        try (KubernetesClient operator = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                .withConfig(ns.controlPlane()
                        .tokenConfig(
                                fleets,
                                ns.controlPlane()
                                        .serviceAccountToken(NAMESPACE, OPERATOR, java.time.Duration.ofMinutes(10))))
                .build()) {
            assertThat(operator.pods().inNamespace(fleets).list().getItems()).isNotNull();
            assertThat(operator.nodes().list().getItems()).isNotNull();
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> operator.secrets().inNamespace(fleets).list())
                    .hasMessageContaining("system:serviceaccount:" + NAMESPACE + ":" + OPERATOR)
                    .hasMessageContaining("cannot list resource \"secrets\"");
        }
    }

    @Test
    void theExamplesApplyAndAnInvalidFleetIsRejected(TestNamespace ns) throws Exception {
        Kubectl.Result examples = kubectl.run(
                        "apply", "--server-side", "--dry-run=server", "-n", ns.name(), "-k", "deploy/examples/")
                .assertSuccess();
        assertThat(examples.stdout())
                .contains("serverfleet.ferry.dev/basic serverside-applied")
                .contains("serverfleet.ferry.dev/autoscaled serverside-applied")
                .contains("serverfleet.ferry.dev/no-migration serverside-applied")
                .contains("networkpolicy.networking.k8s.io/ferry-fleet-admin serverside-applied");

        String basic = Files.readString(DeployFiles.examplesDir().resolve("basic-fleet.yaml"));
        String noStore = basic.replace("  contextStore:\n    uri: redis://ferry-redis.ferry-system:6379\n", "");
        assertThat(noStore).isNotEqualTo(basic);
        Kubectl.Result rejected =
                kubectl.runWithInput(noStore, "apply", "--server-side", "--dry-run=server", "-n", ns.name(), "-f", "-");
        assertThat(rejected.exitCode()).isNotZero();
        assertThat(rejected.stderr()).contains("spec.contextStore is required");

        String badAdvertise = basic.replace("  replicas: 3\n", "  replicas: 3\n  advertise: NodePort\n");
        Kubectl.Result rejected2 = kubectl.runWithInput(
                badAdvertise, "apply", "--server-side", "--dry-run=server", "-n", ns.name(), "-f", "-");
        assertThat(rejected2.exitCode()).isNotZero();
        assertThat(rejected2.stderr()).contains("spec.advertise").contains("Unsupported value: \"NodePort\"");
    }

    @Test
    void theEvictionWebhookIsIgnoredWhenDownAndItsCaBundleSurvivesAReapply(TestNamespace ns, KubernetesClient admin) {
        applied.assertSuccess();
        ValidatingWebhookConfiguration rendered = webhookConfiguration();
        assertThat(rendered.getWebhooks()).singleElement().satisfies(w -> {
            assertThat(w.getFailurePolicy()).isEqualTo("Ignore");
            assertThat(w.getTimeoutSeconds()).isEqualTo(5);
            assertThat(w.getSideEffects()).isEqualTo("NoneOnDryRun");
            assertThat(w.getMatchPolicy()).isEqualTo("Equivalent");
            assertThat(w.getAdmissionReviewVersions()).containsExactly("v1");
            assertThat(w.getClientConfig().getCaBundle())
                    .as("the operator patches it in")
                    .isNull();
            assertThat(w.getClientConfig().getService().getName()).isEqualTo(WebhookCertificates.SERVICE);
            assertThat(w.getClientConfig().getService().getNamespace()).isEqualTo(NAMESPACE);
            assertThat(w.getClientConfig().getService().getPath()).isEqualTo(WebhookServer.PATH);
            assertThat(w.getRules()).singleElement().satisfies(r -> {
                assertThat(r.getApiGroups()).containsExactly("");
                assertThat(r.getApiVersions()).containsExactly("v1");
                assertThat(r.getOperations()).containsExactly("CREATE");
                assertThat(r.getResources()).containsExactly("pods/eviction");
            });
            assertThat(w.getNamespaceSelector().getMatchExpressions())
                    .singleElement()
                    .satisfies(e -> {
                        assertThat(e.getKey()).isEqualTo("kubernetes.io/metadata.name");
                        assertThat(e.getOperator()).isEqualTo("NotIn");
                        assertThat(e.getValues()).containsExactly("kube-system");
                    });
        });
        Service service = rendered(Service.class, WebhookCertificates.SERVICE);
        assertThat(service.getSpec().getSelector()).containsEntry("app.kubernetes.io/name", OPERATOR);
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getPort()).isEqualTo(443);
            assertThat(p.getTargetPort().getStrVal()).isEqualTo("webhook");
        });

        // The operator's own ServiceAccount (a real token) publishes the CA, as a replica does at start ...
        String ca = WebhookCertificates.issue(
                        NAMESPACE,
                        WebhookCertificates.dnsNames(WebhookCertificates.SERVICE, NAMESPACE),
                        java.time.Instant.now())
                .caPem();
        String bundle = java.util.Base64.getEncoder().encodeToString(ca.getBytes(StandardCharsets.US_ASCII));
        try (KubernetesClient operator = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                .withConfig(ns.controlPlane()
                        .tokenConfig(
                                NAMESPACE,
                                ns.controlPlane()
                                        .serviceAccountToken(NAMESPACE, OPERATOR, java.time.Duration.ofMinutes(10))))
                .build()) {
            assertThat(WebhookCertificates.publishCaBundle(operator, WebhookCertificates.CONFIGURATION, ca))
                    .isTrue();
        }
        assertThat(liveCaBundle(admin)).isEqualTo(bundle);

        // ... and installing again, server-side (the install path) or client-side, leaves it in place.
        kubectl.run("apply", "--server-side", "--force-conflicts", "-k", "deploy/")
                .assertSuccess();
        assertThat(liveCaBundle(admin)).as("after kubectl apply --server-side").isEqualTo(bundle);
        String webhookYaml = kubectl.run("kustomize", "deploy/").assertSuccess().stdout();
        String onlyTheConfiguration = java.util.Arrays.stream(webhookYaml.split("(?m)^---$"))
                .filter(doc -> doc.contains("kind: ValidatingWebhookConfiguration"))
                .findFirst()
                .orElseThrow();
        kubectl.runWithInput(onlyTheConfiguration, "apply", "-f", "-").assertSuccess();
        kubectl.runWithInput(onlyTheConfiguration, "apply", "-f", "-").assertSuccess();
        assertThat(liveCaBundle(admin))
                .as("after client-side kubectl apply, twice")
                .isEqualTo(bundle);
    }

    /** The configuration is cluster-wide: other test classes of this control plane must not meet it. */
    @AfterAll
    static void removeTheWebhookConfiguration(dev.ferry.controlplane.ControlPlane controlPlane) {
        controlPlane
                .adminClient()
                .admissionRegistration()
                .v1()
                .validatingWebhookConfigurations()
                .withName(WebhookCertificates.CONFIGURATION)
                .delete();
    }

    private static String liveCaBundle(KubernetesClient admin) {
        return admin.admissionRegistration()
                .v1()
                .validatingWebhookConfigurations()
                .withName(WebhookCertificates.CONFIGURATION)
                .get()
                .getWebhooks()
                .getFirst()
                .getClientConfig()
                .getCaBundle();
    }

    private static ValidatingWebhookConfiguration webhookConfiguration() {
        return rendered(ValidatingWebhookConfiguration.class, WebhookCertificates.CONFIGURATION);
    }

    private static <T extends HasMetadata> T rendered(Class<T> type, String name) {
        return rendered.stream()
                .filter(type::isInstance)
                .map(type::cast)
                .filter(o -> o.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private static Deployment deployment(String name) {
        return rendered.stream()
                .filter(Deployment.class::isInstance)
                .map(Deployment.class::cast)
                .filter(d -> d.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    /** "group resource subresource verb namespace [name]" asked for the ServiceAccount deploy/ installs. */
    private static boolean allowed(KubernetesClient admin, String query) {
        String[] q = query.split(" ", -1);
        SubjectAccessReview review = new SubjectAccessReviewBuilder()
                .withNewSpec()
                .withUser("system:serviceaccount:" + NAMESPACE + ":" + OPERATOR)
                .withGroups("system:serviceaccounts", "system:serviceaccounts:" + NAMESPACE, "system:authenticated")
                .withNewResourceAttributes()
                .withGroup(q[0])
                .withResource(q[1])
                .withSubresource(q[2].isEmpty() ? null : q[2])
                .withVerb(q[3])
                .withNamespace(q[4].isEmpty() ? null : q[4])
                .withName(q.length > 5 && !q[5].isEmpty() ? q[5] : null)
                .endResourceAttributes()
                .endSpec()
                .build();
        return admin.authorization()
                .v1()
                .subjectAccessReview()
                .create(review)
                .getStatus()
                .getAllowed();
    }
}
