package dev.ferry.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.controlplane.TestNamespace;
import dev.ferry.controlplane.WithControlPlane;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.webhook.WebhookCertificates;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the operator's ServiceAccount is refused (ServerFleetReconcilerTest shows what it may do, by
 * running the reconciler under it).
 */
@WithControlPlane
class OperatorRbacTest {

    private static KubernetesClient operator;
    private static String subject;

    @BeforeAll
    static void grant(TestNamespace ns) {
        ServerFleetCrd.install(ns.client());
        operator = OperatorRbac.grant(ns);
        subject = "system:serviceaccount:" + ns.name() + ":" + OperatorRbac.SERVICE_ACCOUNT;
        ns.client().resource(Fleets.valid("fleet", 1)).create();
        ns.client()
                .resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName("someone-elses")
                        .endMetadata()
                        .addToStringData("k", "v")
                        .build())
                .create();
    }

    @Test
    void mayReadFleetsNodesAndPods() {
        assertThat(operator.resources(ServerFleet.class).list().getItems()).hasSize(1);
        assertThat(operator.nodes().list().getItems()).isNotNull();
        assertThat(operator.pods().list().getItems()).isNotNull();
    }

    @Test
    void mayKeepDisruptionBudgetsButNotEvict() {
        assertThat(operator.policy().v1().podDisruptionBudget().list().getItems())
                .isNotNull();
        assertForbidden(() -> operator.pods().withName("any-pod").evict(), "cannot create resource \"pods/eviction\"");
    }

    @Test
    void mayUseOnlyItsOwnLeaderElectionLease() {
        // The lease Role is bound in the operator's namespace only.
        assertThat(operator.resources(io.fabric8.kubernetes.api.model.coordination.v1.Lease.class)
                        .withName("ferry-operator")
                        .get())
                .isNull();
        assertForbidden(
                () -> operator.resources(io.fabric8.kubernetes.api.model.coordination.v1.Lease.class)
                        .inNamespace("default")
                        .withName("ferry-operator")
                        .get(),
                "cannot get resource \"leases\"");
        assertForbidden(
                () -> operator.resources(io.fabric8.kubernetes.api.model.coordination.v1.Lease.class)
                        .withName("ferry-operator")
                        .delete(),
                "cannot delete resource \"leases\"");
    }

    @Test
    void mayNotDeleteNodes() {
        assertForbidden(() -> operator.nodes().withName("any-node").delete(), "cannot delete resource \"nodes\"");
    }

    @Test
    void mayNotListOrDeleteSecrets() {
        assertForbidden(() -> operator.secrets().list(), "cannot list resource \"secrets\"");
        assertForbidden(
                () -> operator.secrets().withName("someone-elses").delete(), "cannot delete resource \"secrets\"");
    }

    @Test
    void mayTouchOnlyItsOwnWebhookConfiguration() {
        var configurations = operator.admissionRegistration().v1().validatingWebhookConfigurations();
        assertForbidden(() -> configurations.list(), "cannot list resource \"validatingwebhookconfigurations\"");
        assertForbidden(
                () -> configurations
                        .withName("someone-elses-webhook")
                        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}"),
                // Fabric8 reads before it patches: another webhook configuration cannot even be read.
                "cannot get resource \"validatingwebhookconfigurations\"");
        assertForbidden(
                () -> configurations.withName(WebhookCertificates.CONFIGURATION).delete(),
                "cannot delete resource \"validatingwebhookconfigurations\"");
        // Secrets: update only on the webhook's own (DeployKustomizationTest asks the API server by name);
        // patch, which the fleets' Secrets need, is not limited by name.
    }

    @Test
    void mayNotEditAFleetsSpecOrDeleteIt() {
        assertForbidden(
                () -> operator.resources(ServerFleet.class).withName("fleet").edit(f -> {
                    f.getSpec().setReplicas(5);
                    return f;
                }),
                "cannot patch resource \"serverfleets\"");
        assertForbidden(
                () -> operator.resources(ServerFleet.class).withName("fleet").delete(),
                "cannot delete resource \"serverfleets\"");
    }

    @Test
    void mayNotTouchCrdsOrRbac() {
        assertForbidden(
                () -> operator.apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .withName(ServerFleetCrd.NAME)
                        .delete(),
                "cannot delete resource \"customresourcedefinitions\"");
        assertForbidden(() -> operator.rbac().clusterRoles().list(), "cannot list resource \"clusterroles\"");
    }

    @Test
    void mayNotManageDeploymentsOrConfigMaps() {
        assertForbidden(() -> operator.apps().deployments().list(), "cannot list resource \"deployments\"");
        assertForbidden(() -> operator.configMaps().list(), "cannot list resource \"configmaps\"");
    }

    private static void assertForbidden(Runnable call, String messagePart) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).isEqualTo(403);
            assertThat(e.getStatus().getMessage())
                    .contains("User \"" + subject + "\"")
                    .contains(messagePart);
        });
    }
}
