package dev.ferry.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Authorization is on: an identity bound to a narrow Role gets exactly that and no more. */
@WithControlPlane
class RbacTest {

    private static final String USER = "pod-reader@test.ferry.dev";
    private static final String SERVICE_ACCOUNT = "pod-reader";
    private static String otherNamespace;

    @BeforeAll
    static void grantPodReader(TestNamespace ns) {
        KubernetesClient admin = ns.client();
        admin.rbac()
                .roles()
                .resource(new RoleBuilder()
                        .withNewMetadata()
                        .withName("pod-reader")
                        .endMetadata()
                        .addNewRule()
                        .withApiGroups("")
                        .withResources("pods")
                        .withVerbs("get", "list")
                        .endRule()
                        .build())
                .create();
        admin.rbac()
                .roleBindings()
                .resource(new RoleBindingBuilder()
                        .withNewMetadata()
                        .withName("pod-reader")
                        .endMetadata()
                        .withNewRoleRef("rbac.authorization.k8s.io", "Role", "pod-reader")
                        .withSubjects(
                                new SubjectBuilder()
                                        .withKind("User")
                                        .withApiGroup("rbac.authorization.k8s.io")
                                        .withName(USER)
                                        .build(),
                                new SubjectBuilder()
                                        .withKind("ServiceAccount")
                                        .withName(SERVICE_ACCOUNT)
                                        .withNamespace(ns.name())
                                        .build())
                        .build())
                .create();
        admin.pods().resource(pod("existing")).create();

        otherNamespace = ns.createExtraNamespace("other");
        admin.pods().inNamespace(otherNamespace).resource(pod("elsewhere")).create();
    }

    @Test
    void impersonatedUserMayListAndGetPodsInItsNamespace(TestNamespace ns) {
        KubernetesClient reader = ns.clientAs(USER);

        assertThat(reader.pods().list().getItems())
                .extracting(p -> p.getMetadata().getName())
                .containsExactly("existing");
        assertThat(reader.pods().withName("existing").get()).isNotNull();
    }

    @Test
    void impersonatedUserMayNotCreatePods(TestNamespace ns) {
        KubernetesClient reader = ns.clientAs(USER);

        assertForbidden(
                () -> reader.pods().resource(pod("not-allowed")).create(),
                "User \"" + USER + "\" cannot create resource \"pods\" in API group \"\" in the namespace \""
                        + ns.name() + "\"");
        assertThat(ns.client().pods().withName("not-allowed").get()).isNull();
    }

    @Test
    void impersonatedUserMayNotReadPodsInAnotherNamespace(TestNamespace ns) {
        KubernetesClient reader = ns.clientAs(USER);

        assertForbidden(
                () -> reader.pods().inNamespace(otherNamespace).list(),
                "User \"" + USER + "\" cannot list resource \"pods\" in API group \"\" in the namespace \""
                        + otherNamespace + "\"");
        assertForbidden(
                () -> reader.pods()
                        .inNamespace(otherNamespace)
                        .withName("elsewhere")
                        .get(),
                "cannot get resource \"pods\"");
    }

    @Test
    void impersonatedUserMayNotTouchOtherResources(TestNamespace ns) {
        KubernetesClient reader = ns.clientAs(USER);

        assertForbidden(
                () -> reader.configMaps()
                        .resource(new ConfigMapBuilder()
                                .withNewMetadata()
                                .withName("x")
                                .endMetadata()
                                .build())
                        .create(),
                "cannot create resource \"configmaps\"");
        assertForbidden(() -> reader.namespaces().list(), "cannot list resource \"namespaces\"");
    }

    @Test
    void serviceAccountTokenGetsTheSameNarrowRights(TestNamespace ns) {
        KubernetesClient sa = ns.clientForServiceAccount(SERVICE_ACCOUNT);
        String subject = "system:serviceaccount:" + ns.name() + ":" + SERVICE_ACCOUNT;

        assertThat(sa.pods().list().getItems()).hasSize(1);
        assertForbidden(
                () -> sa.pods().resource(pod("sa-not-allowed")).create(),
                "User \"" + subject + "\" cannot create resource \"pods\"");
        assertForbidden(
                () -> sa.pods().inNamespace(otherNamespace).list(),
                "User \"" + subject + "\" cannot list resource \"pods\"");
    }

    @Test
    void anUnboundUserMayNotEvenList(TestNamespace ns) {
        KubernetesClient nobody = ns.clientAs("nobody@test.ferry.dev", "ferry:testers");

        assertForbidden(() -> nobody.pods().list(), "User \"nobody@test.ferry.dev\" cannot list resource \"pods\"");
    }

    private static void assertForbidden(Runnable call, String messagePart) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).isEqualTo(403);
            assertThat(e.getStatus().getMessage()).contains(messagePart);
        });
    }

    private static Pod pod(String name) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("main")
                .withImage("ferry.invalid/never-pulled:1")
                .endContainer()
                .endSpec()
                .build();
    }
}
