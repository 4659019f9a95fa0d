package dev.ferry.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.controlplane.WithControlPlane;
import dev.ferry.operator.model.ServerFleet;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The checked-in CRD on a real API server: invalid fleets are rejected with messages that say what
 * to fix, valid ones get their defaults. No operator runs here.
 */
// Right after the Quarkus tests (junit-platform.properties): the CRD exists before kube-controller-manager starts.
@org.junit.jupiter.api.Order(2)
@WithControlPlane
class ServerFleetCrdTest {

    @BeforeAll
    static void installCrd(KubernetesClient client) {
        ServerFleetCrd.install(client);
    }

    @Test
    void timerAboveTheRangeIsRejected(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.put("idleMigrationTimerSeconds", 40000);

        assertRejected(
                client,
                "timer",
                spec,
                "ServerFleet.ferry.dev \"timer\" is invalid: spec.idleMigrationTimerSeconds: Invalid value: 40000:"
                        + " spec.idleMigrationTimerSeconds in body should be less than or equal to 32767");
    }

    @Test
    void maxSurgeAndMaxUnavailableBothZeroAreRejected(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.put("updateStrategy", Map.of("maxSurge", 0, "maxUnavailable", "0%"));

        assertRejected(
                client,
                "stuck",
                spec,
                "ServerFleet.ferry.dev \"stuck\" is invalid: spec.updateStrategy: Invalid value: \"object\":"
                        + " updateStrategy.maxSurge and updateStrategy.maxUnavailable must not both be 0:"
                        + " a rolling update could then neither add a pod nor remove one");
    }

    @Test
    void maxSurgeZeroAloneIsRejectedBecauseMaxUnavailableDefaultsToZero(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.put("updateStrategy", Map.of("maxSurge", 0));

        assertRejected(
                client,
                "surge-zero",
                spec,
                "ServerFleet.ferry.dev \"surge-zero\" is invalid: spec.updateStrategy: Invalid value: \"object\":"
                        + " updateStrategy.maxSurge and updateStrategy.maxUnavailable must not both be 0:"
                        + " a rolling update could then neither add a pod nor remove one");
    }

    @Test
    void malformedPercentageIsRejected(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.put("updateStrategy", Map.of("maxSurge", "150%"));

        assertRejected(
                client,
                "percent",
                spec,
                "ServerFleet.ferry.dev \"percent\" is invalid: spec.updateStrategy.maxSurge: Invalid value: \"\":"
                        + " maxSurge must be a non-negative integer or a percentage such as '25%'");
    }

    @Test
    void aFleetWithoutStoreIsRejected(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.remove("contextStore");

        assertRejected(
                client,
                "no-store",
                spec,
                "ServerFleet.ferry.dev \"no-store\" is invalid: spec: Invalid value: \"object\":"
                        + " spec.contextStore is required: set contextStore.uri (such as redis://redis:6379) or contextStore.secretKeyRef");
    }

    @Test
    void anEmptyStoreIsRejected(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.put("contextStore", Map.of());

        assertRejected(
                client,
                "empty-store",
                spec,
                "ServerFleet.ferry.dev \"empty-store\" is invalid: spec.contextStore: Invalid value: \"object\":"
                        + " set exactly one of contextStore.uri and contextStore.secretKeyRef");
    }

    @Test
    void aUriAndASecretTogetherAreRejected(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.put(
                "contextStore",
                Map.of("uri", "redis://redis:6379", "secretKeyRef", Map.of("name", "store", "key", "uri")));

        assertRejected(
                client,
                "two-stores",
                spec,
                "ServerFleet.ferry.dev \"two-stores\" is invalid: spec.contextStore: Invalid value: \"object\":"
                        + " set exactly one of contextStore.uri and contextStore.secretKeyRef");
    }

    @Test
    void anUnknownStoreSchemeIsRejected(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.put("contextStore", Map.of("uri", "mysql://db:3306"));

        assertRejected(
                client,
                "bad-scheme",
                spec,
                "ServerFleet.ferry.dev \"bad-scheme\" is invalid: spec.contextStore.uri: Invalid value: \"mysql://db:3306\":"
                        + " spec.contextStore.uri in body should match '^(memory:|redis://|rediss://|redis-sentinel://|redis-cluster://).*$'");
    }

    @Test
    void negativeReplicasAreRejected(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.put("replicas", -1);

        assertRejected(
                client,
                "negative",
                spec,
                // The second message comes from the scale subresource's own check of specReplicasPath.
                "ServerFleet.ferry.dev \"negative\" is invalid: [spec.replicas: Invalid value: -1:"
                        + " spec.replicas in body should be greater than or equal to 0,"
                        + " .spec.replicas: Invalid value: -1: should be a non-negative integer]");
    }

    @Test
    void aTemplateWithoutContainersIsRejected(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.put("template", Map.of("spec", Map.of("containers", List.of())));

        assertRejected(
                client,
                "no-containers",
                spec,
                "ServerFleet.ferry.dev \"no-containers\" is invalid: spec.template: Invalid value: \"object\":"
                        + " template.spec.containers must hold the server container (named 'server', or the first container)");
    }

    @Test
    void anOverlongNameIsRejected(KubernetesClient client) {
        String name = "f".repeat(60);

        assertRejected(
                client,
                name,
                Fleets.rawSpec(),
                "ServerFleet.ferry.dev \"" + name + "\" is invalid: <nil>: Invalid value: \"object\":"
                        + " metadata.name must be a DNS label of at most 52 characters that starts with a letter"
                        + " (it names the fleet's Services and prefixes its pod names)");
    }

    @Test
    void aClaimConfirmTimeoutOfZeroIsRejected(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.put("claimConfirmTimeoutSeconds", 0);

        assertRejected(
                client,
                "claim-zero",
                spec,
                "ServerFleet.ferry.dev \"claim-zero\" is invalid: spec.claimConfirmTimeoutSeconds: Invalid value: 0:"
                        + " spec.claimConfirmTimeoutSeconds in body should be greater than or equal to 1");
    }

    @Test
    void writeThroughWithSessionIdleTimerZeroIsRejected(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.put("contextStore", Map.of("uri", "redis://redis:6379", "writeThrough", true));
        spec.put("sessionIdleTimerSeconds", 0);

        assertRejected(
                client,
                "wt-zero",
                spec,
                "ServerFleet.ferry.dev \"wt-zero\" is invalid: spec: Invalid value: \"object\":"
                        + " contextStore.writeThrough needs sessionIdleTimerSeconds above 0: saved sessions live that long in the store");
    }

    @Test
    void providedTlsWithoutASecretIsRejected(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.put("tls", Map.of("mode", "Provided"));

        assertRejected(
                client,
                "tls-no-secret",
                spec,
                "ServerFleet.ferry.dev \"tls-no-secret\" is invalid: spec.tls: Invalid value: \"object\":"
                        + " tls.secretName is required when tls.mode is Provided: name a kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt");
    }

    @Test
    void aSecretNameWithGeneratedTlsIsRejected(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.put("tls", Map.of("mode", "Generated", "secretName", "mine"));

        assertRejected(
                client,
                "tls-generated-name",
                spec,
                "ServerFleet.ferry.dev \"tls-generated-name\" is invalid: spec.tls: Invalid value: \"object\":"
                        + " tls.secretName is only read when tls.mode is Provided; with Generated the operator keeps the Secret <fleet>-tls itself");
    }

    @Test
    void aMinimalFleetGetsEveryDefault(KubernetesClient client) {
        GenericKubernetesResource created = client.genericKubernetesResources(Fleets.CONTEXT)
                .resource(Fleets.raw("defaults", Fleets.rawSpec()))
                .create();

        @SuppressWarnings("unchecked")
        Map<String, Object> spec =
                (Map<String, Object>) created.getAdditionalProperties().get("spec");
        assertThat(spec)
                .containsEntry("clientPort", 7000)
                .containsEntry("adminPort", 7001)
                .containsEntry("idleMigrationTimerSeconds", 60)
                .containsEntry("sessionIdleTimerSeconds", 600)
                .containsEntry("migrationRatePerSecond", 1000)
                .containsEntry("claimConfirmTimeoutSeconds", 5)
                .containsEntry("advertise", "Pod")
                .containsEntry("scaleDownPolicy", "FewestSessions")
                .containsEntry("updateStrategy", Map.of("maxSurge", 1, "maxUnavailable", 0, "paused", false))
                .containsEntry("rebalance", Map.of("enabled", false, "ratePerSecond", 100))
                .containsEntry("podDisruptionBudget", Map.of("enabled", false, "maxUnavailable", 1))
                .containsEntry("tls", Map.of("mode", "Disabled"));
    }

    @Test
    void bothTimersZeroIsAcceptedItDisablesMigration(KubernetesClient client) {
        Map<String, Object> spec = new LinkedHashMap<>(Fleets.rawSpec());
        spec.put("idleMigrationTimerSeconds", 0);
        spec.put("sessionIdleTimerSeconds", 0);
        spec.put("updateStrategy", Map.of("maxSurge", "25%", "maxUnavailable", 0));

        GenericKubernetesResource created = client.genericKubernetesResources(Fleets.CONTEXT)
                .resource(Fleets.raw("no-migration", spec))
                .create();

        assertThat(created.getMetadata().getUid()).isNotBlank();
    }

    @Test
    void autoscalingWithMinAboveMaxIsRejected(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.put("autoscaling", Map.of("minReplicas", 5, "maxReplicas", 3, "targetSessionsPerPod", 1000));

        assertRejected(
                client,
                "auto-bounds",
                spec,
                "ServerFleet.ferry.dev \"auto-bounds\" is invalid: spec.autoscaling: Invalid value: \"object\":"
                        + " autoscaling.minReplicas must not be above autoscaling.maxReplicas; lower minReplicas or"
                        + " raise maxReplicas");
    }

    @Test
    void autoscalingWithATargetOfZeroIsRejected(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.put("autoscaling", Map.of("maxReplicas", 3, "targetSessionsPerPod", 0));

        assertRejected(
                client,
                "auto-zero",
                spec,
                "ServerFleet.ferry.dev \"auto-zero\" is invalid: spec.autoscaling.targetSessionsPerPod: Invalid"
                        + " value: 0: spec.autoscaling.targetSessionsPerPod in body should be greater than or equal"
                        + " to 1");
    }

    @Test
    void autoscalingWithoutMaxReplicasIsRejected(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.put("autoscaling", Map.of("targetSessionsPerPod", 500));

        assertRejected(
                client,
                "auto-nomax",
                spec,
                "ServerFleet.ferry.dev \"auto-nomax\" is invalid: spec.autoscaling: Invalid value: \"object\":"
                        + " autoscaling needs maxReplicas (the most pods) and targetSessionsPerPod (the sessions per"
                        + " pod to aim at)");
    }

    @Test
    void autoscalingGetsItsDefaults(KubernetesClient client) {
        Map<String, Object> spec = Fleets.rawSpec();
        spec.put("autoscaling", Map.of("maxReplicas", 8, "targetSessionsPerPod", 500));

        ServerFleet fleet = client.resource(Serialization.unmarshal(
                        Serialization.asJson(Fleets.raw("auto-defaults", spec)), ServerFleet.class))
                .create();

        var autoscaling = fleet.getSpec().getAutoscaling();
        assertThat(autoscaling.getMinReplicas()).isEqualTo(1);
        assertThat(autoscaling.getScaleUp().getStabilizationWindowSeconds()).isZero();
        assertThat(autoscaling.getScaleUp().getMaxStep()).isEqualTo(4);
        assertThat(autoscaling.getScaleDown().getStabilizationWindowSeconds()).isEqualTo(300);
        assertThat(autoscaling.getScaleDown().getMaxStep()).isEqualTo(1);
    }

    private static void assertRejected(KubernetesClient client, String name, Map<String, Object> spec, String message) {
        assertThatThrownBy(() -> client.genericKubernetesResources(Fleets.CONTEXT)
                        .resource(Fleets.raw(name, spec))
                        .create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getStatus().getMessage()).isEqualTo(message);
                });
    }
}
