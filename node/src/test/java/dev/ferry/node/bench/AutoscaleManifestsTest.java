package dev.ferry.node.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the autoscale benchmark applies: Ferry's fleet with spec.autoscaling, the baseline's fleet and its HPA. */
class AutoscaleManifestsTest {

    private static final KubernetesSerialization YAML = new KubernetesSerialization();

    private static Map<String, Object> spec(String manifest) {
        GenericKubernetesResource r = YAML.unmarshal(manifest, GenericKubernetesResource.class);
        return cast(r.getAdditionalProperties().get("spec"));
    }

    private static Map<String, Object> map(Map<String, Object> m, String key) {
        return cast(m.get(key));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void ferrysFleetHasAutoscalingAndRebalanceUnderItsSpecNextToTheTemplate() {
        String manifest = BenchFleets.manifest(
                "ferry",
                1,
                BenchFleets.SERVER_IMAGE,
                60,
                600,
                1000,
                "100m",
                "512Mi",
                AutoscaleBenchmark.autoscalingSpec(4, 100, 60) + AutoscaleBenchmark.rebalanceSpec(100));

        Map<String, Object> spec = spec(manifest);
        assertThat(spec.get("replicas")).isEqualTo(1);
        assertThat(spec.get("migrationRatePerSecond")).isEqualTo(1000);
        Map<String, Object> autoscaling = map(spec, "autoscaling");
        assertThat(autoscaling.get("minReplicas")).isEqualTo(1);
        assertThat(autoscaling.get("maxReplicas")).isEqualTo(4);
        assertThat(autoscaling.get("targetSessionsPerPod")).isEqualTo(100);
        assertThat(map(autoscaling, "scaleDown").get("stabilizationWindowSeconds"))
                .isEqualTo(60);
        assertThat(map(spec, "rebalance")).containsEntry("enabled", true).containsEntry("ratePerSecond", 100);
        Map<String, Object> container =
                cast(((List<?>) map(map(spec, "template"), "spec").get("containers")).get(0));
        assertThat(container.get("image")).isEqualTo(BenchFleets.SERVER_IMAGE);
        assertThat(map(map(container, "resources"), "requests")).containsEntry("cpu", "100m");
    }

    @Test
    void withoutExtraSpecTheManifestIsTheOneTheOtherBenchmarksApply() {
        String plain = BenchFleets.manifest("b", 3, BenchFleets.SERVER_IMAGE, 60, 600, 1000, "100m", "512Mi");
        assertThat(plain)
                .isEqualTo(BenchFleets.manifest("b", 3, BenchFleets.SERVER_IMAGE, 60, 600, 1000, "100m", "512Mi", ""));
        assertThat(spec(plain)).doesNotContainKeys("autoscaling", "rebalance").containsKey("template");
    }

    @Test
    void theBaselinesHpaScalesTheFleetOnCpuWithTheSameBoundsAndScaleDownWindow() {
        HorizontalPodAutoscaler hpa = YAML.unmarshal(
                AutoscaleBenchmark.hpaManifest("baseline", "baseline", 4, 50, 60), HorizontalPodAutoscaler.class);

        assertThat(hpa.getApiVersion()).isEqualTo("autoscaling/v2");
        assertThat(hpa.getMetadata().getName()).isEqualTo("baseline");
        assertThat(hpa.getSpec().getScaleTargetRef().getApiVersion()).isEqualTo("ferry.dev/v1alpha1");
        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("ServerFleet");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("baseline");
        assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(1);
        assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(4);
        assertThat(hpa.getSpec().getMetrics()).hasSize(1);
        var metric = hpa.getSpec().getMetrics().get(0);
        assertThat(metric.getType()).isEqualTo("Resource");
        assertThat(metric.getResource().getName()).isEqualTo("cpu");
        assertThat(metric.getResource().getTarget().getType()).isEqualTo("Utilization");
        assertThat(metric.getResource().getTarget().getAverageUtilization()).isEqualTo(50);
        assertThat(hpa.getSpec().getBehavior().getScaleDown().getStabilizationWindowSeconds())
                .isEqualTo(60);
        assertThat(hpa.getSpec().getBehavior().getScaleUp())
                .as("Kubernetes' default")
                .isNull();
    }

    @Test
    void theHpasCpuUtilisationIsReadFromItsCurrentMetrics() {
        assertThat(AutoscaleBenchmark.cpuPercent(null)).isNull();
        assertThat(AutoscaleBenchmark.cpuPercent(new HorizontalPodAutoscaler())).isNull();
        HorizontalPodAutoscaler hpa = new HorizontalPodAutoscalerBuilder()
                .withNewStatus()
                .addNewCurrentMetric()
                .withType("Resource")
                .withNewResource()
                .withName("memory")
                .withNewCurrent()
                .withAverageUtilization(10)
                .endCurrent()
                .endResource()
                .endCurrentMetric()
                .addNewCurrentMetric()
                .withType("Resource")
                .withNewResource()
                .withName("cpu")
                .withNewCurrent()
                .withAverageUtilization(73)
                .endCurrent()
                .endResource()
                .endCurrentMetric()
                .endStatus()
                .build();
        assertThat(AutoscaleBenchmark.cpuPercent(hpa)).isEqualTo(73);
    }
}
