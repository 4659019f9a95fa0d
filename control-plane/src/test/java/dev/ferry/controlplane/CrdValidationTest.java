package dev.ferry.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real API server enforces a CRD's structural schema and its CEL rules. */
@WithControlPlane
class CrdValidationTest {

    private static final ResourceDefinitionContext SCALE_FLEETS = new ResourceDefinitionContext.Builder()
            .withGroup("test.ferry.dev")
            .withVersion("v1")
            .withKind("ScaleFleet")
            .withPlural("scalefleets")
            .withNamespaced(true)
            .build();

    private static CustomResourceDefinition crd;

    @BeforeAll
    static void applyCrd(KubernetesClient client) throws Exception {
        try (InputStream yaml = CrdValidationTest.class.getResourceAsStream("/crd-scalefleet.yaml")) {
            crd = client.apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .load(yaml)
                    .item();
        }
        client.apiextensions().v1().customResourceDefinitions().resource(crd).serverSideApply();
        await("CRD established").atMost(Duration.ofSeconds(60)).until(() -> {
            CustomResourceDefinition c = client.apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .withName(crd.getMetadata().getName())
                    .get();
            return c != null
                    && c.getStatus() != null
                    && c.getStatus().getConditions().stream()
                            .anyMatch(k -> "Established".equals(k.getType()) && "True".equals(k.getStatus()));
        });
    }

    @AfterAll
    static void deleteCrd(KubernetesClient client) {
        if (crd != null) {
            client.apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .withName(crd.getMetadata().getName())
                    .delete();
        }
    }

    @Test
    void acceptsAValidObject(KubernetesClient client, TestNamespace ns) {
        GenericKubernetesResource created = client.genericKubernetesResources(SCALE_FLEETS)
                .resource(fleet("valid", 1, 0))
                .create();

        assertThat(created.getMetadata().getUid()).isNotBlank();
        assertThat(created.getMetadata().getNamespace()).isEqualTo(ns.name());
    }

    @Test
    void celRuleRejectsZeroSurgeAndZeroUnavailable(KubernetesClient client) {
        assertThatThrownBy(() -> client.genericKubernetesResources(SCALE_FLEETS)
                        .resource(fleet("stuck", 0, 0))
                        .create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getStatus().getMessage())
                            .contains("ScaleFleet.test.ferry.dev \"stuck\" is invalid")
                            .contains(
                                    "spec.updateStrategy: Invalid value: \"object\": maxSurge and maxUnavailable must not both be zero");
                    assertThat(e.getStatus().getDetails().getCauses()).anySatisfy(c -> {
                        assertThat(c.getField()).isEqualTo("spec.updateStrategy");
                        assertThat(c.getMessage()).contains("maxSurge and maxUnavailable must not both be zero");
                    });
                });
    }

    @Test
    void structuralSchemaRejectsANegativeValue(KubernetesClient client) {
        assertThatThrownBy(() -> client.genericKubernetesResources(SCALE_FLEETS)
                        .resource(fleet("negative", -1, 1))
                        .create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getStatus().getMessage())
                            .contains("spec.updateStrategy.maxSurge: Invalid value: -1")
                            .contains("should be greater than or equal to 0");
                });
    }

    private static GenericKubernetesResource fleet(String name, int maxSurge, int maxUnavailable) {
        return new GenericKubernetesResourceBuilder()
                .withApiVersion("test.ferry.dev/v1")
                .withKind("ScaleFleet")
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .addToAdditionalProperties(
                        "spec",
                        Map.of(
                                "replicas",
                                3,
                                "updateStrategy",
                                Map.of("maxSurge", maxSurge, "maxUnavailable", maxUnavailable)))
                .build();
    }
}
