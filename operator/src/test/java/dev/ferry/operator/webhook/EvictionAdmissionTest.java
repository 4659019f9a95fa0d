package dev.ferry.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operator.cluster.Fleets;
import dev.ferry.operator.model.FleetPodPhase;
import dev.ferry.operator.model.FleetPodStatus;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetStatus;
import dev.ferry.operator.resources.DrainReason;
import dev.ferry.operator.resources.DrainRecord;
import dev.ferry.operator.resources.EvictionRequest;
import dev.ferry.operator.resources.FleetLabels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every answer of the eviction webhook's decision, with a cluster in memory. */
class EvictionAdmissionTest {

    static final Instant NOW = Instant.parse("2026-12-06T21:00:00.123Z");
    static final String NS = "apps";

    private final FakeCluster cluster = new FakeCluster();
    private final EvictionAdmission admission =
            new EvictionAdmission(cluster, Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMinutes(10));

    @Test
    void aServingFleetPodIsMarkedAndRefusedWith429SayingItMigratesItsSessions() {
        ServerFleet fleet = cluster.add(fleet("f", 30L));
        cluster.add(pod("f-1", fleet));

        EvictionAdmission.Decision d = admission.decide(eviction("f-1", false));

        assertThat(d).isInstanceOfSatisfying(EvictionAdmission.Decision.Deny.class, deny -> {
            assertThat(deny.code()).isEqualTo(429);
            assertThat(deny.reason()).isEqualTo("TooManyRequests");
            assertThat(deny.message())
                    .contains("pod apps/f-1 of ServerFleet f")
                    .contains("migrating its 30 sessions to the fleet's other pods")
                    .contains("retry the eviction");
        });
        assertThat(cluster.marks).containsExactly("f-1=2026-12-06T21:00:00Z");
        assertThat(cluster.events)
                .singleElement()
                .asString()
                .contains("Eviction of pod f-1 requested by system:admin refused: its 30 sessions migrate");
    }

    @Test
    void aPodAlreadyMarkedOrDrainingGetsTheSameAnswerWithoutAnotherMarkOrEvent() {
        ServerFleet fleet = cluster.add(fleet("f", 1L));
        cluster.add(annotated(pod("f-1", fleet), EvictionRequest.ANNOTATION, "2026-12-06T20:59:00Z"));
        Pod draining = notReady(annotated(
                pod("f-2", fleet),
                DrainRecord.ANNOTATION,
                DrainRecord.requested(DrainReason.ScaleDown, NOW).toJson()));
        cluster.add(draining);

        assertThat(admission.decide(eviction("f-1", false)))
                .isInstanceOfSatisfying(EvictionAdmission.Decision.Deny.class, deny -> {
                    assertThat(deny.code()).isEqualTo(429);
                    assertThat(deny.message()).contains("its 1 session ");
                });
        assertThat(admission.decide(eviction("f-2", false)))
                .as("a draining server reports not ready: still refused")
                .isInstanceOfSatisfying(
                        EvictionAdmission.Decision.Deny.class,
                        deny -> assertThat(deny.message()).contains("is already draining"));
        assertThat(cluster.marks).isEmpty();
        assertThat(cluster.events).isEmpty();
    }

    @Test
    void aDryRunIsRefusedTheSameWayButMarksNothing() {
        ServerFleet fleet = cluster.add(fleet("f", null));
        cluster.add(pod("f-1", fleet));

        assertThat(admission.decide(eviction("f-1", true)))
                .isInstanceOfSatisfying(EvictionAdmission.Decision.Deny.class, deny -> {
                    assertThat(deny.code()).isEqualTo(429);
                    assertThat(deny.message()).contains("migrating its sessions to");
                });
        assertThat(cluster.marks).isEmpty();
        assertThat(cluster.events).isEmpty();
    }

    @Test
    void everythingElseIsLetThroughUntouched() {
        ServerFleet fleet = cluster.add(fleet("f", 5L));
        ServerFleet disabled = fleet("off", 5L);
        disabled.getSpec().setIdleMigrationTimerSeconds(0);
        disabled.getSpec().setSessionIdleTimerSeconds(0);
        cluster.add(disabled);
        cluster.add(pod("f-1", fleet));
        cluster.add(new PodBuilder(pod("plain", fleet))
                .editMetadata()
                .withLabels(Map.of("app", "x"))
                .endMetadata()
                .build());
        cluster.add(new PodBuilder(pod("orphan", fleet))
                .editMetadata()
                .addToLabels(FleetLabels.FLEET, "gone")
                .endMetadata()
                .build());
        cluster.add(new PodBuilder(pod("impostor", fleet))
                .editMetadata()
                .withOwnerReferences(List.of())
                .endMetadata()
                .build());
        cluster.add(pod("off-1", disabled));
        cluster.add(notReady(pod("starting", fleet)));
        Pod noIp = pod("no-ip", fleet);
        noIp.getStatus().setPodIP(null);
        cluster.add(noIp);
        cluster.add(new PodBuilder(pod("deleted", fleet))
                .editMetadata()
                .withDeletionTimestamp("2026-12-06T20:00:00Z")
                .endMetadata()
                .build());
        cluster.add(annotated(
                pod("drained", fleet),
                DrainRecord.ANNOTATION,
                DrainRecord.requested(DrainReason.ScaleDown, NOW).toJson().replace("Requested", "Drained")));

        Map<String, String> why = new HashMap<>();
        for (String name :
                List.of("missing", "plain", "orphan", "impostor", "off-1", "starting", "no-ip", "deleted", "drained")) {
            EvictionAdmission.Decision d = admission.decide(eviction(name, false));
            assertThat(d).as(name).isInstanceOf(EvictionAdmission.Decision.Allow.class);
            why.put(name, ((EvictionAdmission.Decision.Allow) d).why());
        }
        assertThat(why.get("missing")).contains("does not exist");
        assertThat(why.get("plain")).contains("belongs to no ServerFleet");
        assertThat(why.get("orphan")).contains("no such ServerFleet owns it");
        assertThat(why.get("impostor")).contains("no such ServerFleet owns it");
        assertThat(why.get("off-1")).contains("migration disabled");
        assertThat(why.get("starting")).contains("not serving");
        assertThat(why.get("no-ip")).contains("not serving");
        assertThat(why.get("deleted")).contains("already being deleted");
        assertThat(why.get("drained")).contains("drained");

        // Not an eviction at all: other operations, resources or subresources.
        for (AdmissionReviews.Request other : List.of(
                request("f-1", "DELETE", "pods", "eviction"),
                request("f-1", "CREATE", "pods", ""),
                request("f-1", "CREATE", "pods", "binding"),
                request("f-1", "CREATE", "services", "eviction"))) {
            assertThat(admission.decide(other)).isInstanceOf(EvictionAdmission.Decision.Allow.class);
        }
        assertThat(cluster.marks).isEmpty();
        assertThat(cluster.events).isEmpty();
        assertThat(cluster.annotations("f-1")).doesNotContainKey(EvictionRequest.ANNOTATION);
    }

    @Test
    void aPodWhoseDrainNeverStartedIsLetGoAfterTheMaximumHold() {
        ServerFleet fleet = cluster.add(fleet("f", 3L));
        cluster.add(annotated(pod("f-1", fleet), EvictionRequest.ANNOTATION, "2026-12-06T20:49:00Z"));
        cluster.add(annotated(pod("f-2", fleet), EvictionRequest.ANNOTATION, "2026-12-06T20:51:00Z"));

        assertThat(admission.decide(eviction("f-1", false)))
                .isInstanceOfSatisfying(
                        EvictionAdmission.Decision.Allow.class,
                        a -> assertThat(a.warning())
                                .hasValueSatisfying(w -> assertThat(w).contains("has not started within 10 min")));
        assertThat(admission.decide(eviction("f-2", false))).isInstanceOf(EvictionAdmission.Decision.Deny.class);
    }

    @Test
    void theAnswerIsAnAdmissionReviewWithTheRequestsUidAndTheStatusTheApiServerPassesOn() throws Exception {
        String denied = AdmissionReviews.response(
                "u-1", new EvictionAdmission.Decision.Deny(429, "TooManyRequests", "retry the eviction"));
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(denied);
        assertThat(json.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
        assertThat(json.path("kind").asText()).isEqualTo("AdmissionReview");
        assertThat(json.path("response").path("uid").asText()).isEqualTo("u-1");
        assertThat(json.path("response").path("allowed").asBoolean(true)).isFalse();
        assertThat(json.path("response").path("status").path("code").asInt()).isEqualTo(429);
        assertThat(json.path("response").path("status").path("reason").asText()).isEqualTo("TooManyRequests");
        assertThat(json.path("response").path("status").path("message").asText())
                .isEqualTo("retry the eviction");
        assertThat(json.path("response").path("status").has("details"))
                .as("no retryAfterSeconds: client-go would retry on its own")
                .isFalse();

        var allowed = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(AdmissionReviews.response("u-2", new EvictionAdmission.Decision.Allow("x")));
        assertThat(allowed.path("response").path("allowed").asBoolean()).isTrue();
        assertThat(allowed.path("response").has("status")).isFalse();
    }

    static AdmissionReviews.Request eviction(String pod, boolean dryRun) {
        return new AdmissionReviews.Request(
                "uid-" + pod, "CREATE", "", "v1", "pods", "eviction", NS, pod, Optional.of("system:admin"), dryRun);
    }

    static AdmissionReviews.Request request(String pod, String operation, String resource, String sub) {
        return new AdmissionReviews.Request(
                "uid", operation, "", "v1", resource, sub, NS, pod, Optional.empty(), false);
    }

    static ServerFleet fleet(String name, Long podSessions) {
        ServerFleet fleet = Fleets.valid(name, 2);
        fleet.getMetadata().setNamespace(NS);
        fleet.getMetadata().setUid("uid-" + name);
        fleet.setApiVersion("ferry.dev/v1alpha1");
        fleet.setKind("ServerFleet");
        if (podSessions != null) {
            ServerFleetStatus status = new ServerFleetStatus();
            List<FleetPodStatus> pods = new ArrayList<>();
            for (int i = 1; i <= 2; i++) {
                pods.add(new FleetPodStatus(name + "-" + i, FleetPodPhase.Serving, podSessions, "r"));
            }
            status.setPods(pods);
            fleet.setStatus(status);
        }
        return fleet;
    }

    static Pod pod(String name, ServerFleet fleet) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .withUid("uid-" + name)
                .withLabels(new HashMap<>(
                        Map.of(FleetLabels.FLEET, fleet.getMetadata().getName(), FleetLabels.SERVING, "true")))
                .withOwnerReferences(FleetLabels.ownerReference(fleet))
                .endMetadata()
                .withNewStatus()
                .withPhase("Running")
                .withPodIP("10.0.0.7")
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .endStatus()
                .build();
    }

    static Pod notReady(Pod pod) {
        pod.getStatus().getConditions().getFirst().setStatus("False");
        return pod;
    }

    static Pod annotated(Pod pod, String key, String value) {
        return new PodBuilder(pod)
                .editMetadata()
                .addToAnnotations(key, value)
                .endMetadata()
                .build();
    }

    /** Pods and fleets by name; records marks and Events. */
    static class FakeCluster implements EvictionAdmission.Cluster {
        final Map<String, Pod> pods = new HashMap<>();
        final Map<String, ServerFleet> fleets = new HashMap<>();
        final List<String> marks = new ArrayList<>();
        final List<String> events = new ArrayList<>();

        ServerFleet add(ServerFleet fleet) {
            fleets.put(fleet.getMetadata().getName(), fleet);
            return fleet;
        }

        void add(Pod pod) {
            pods.put(pod.getMetadata().getName(), pod);
        }

        Map<String, String> annotations(String pod) {
            Map<String, String> a = pods.get(pod).getMetadata().getAnnotations();
            return a == null ? Map.of() : a;
        }

        @Override
        public Optional<Pod> pod(String namespace, String name) {
            return NS.equals(namespace) ? Optional.ofNullable(pods.get(name)) : Optional.empty();
        }

        @Override
        public Optional<ServerFleet> fleet(String namespace, String name) {
            return NS.equals(namespace) ? Optional.ofNullable(fleets.get(name)) : Optional.empty();
        }

        @Override
        public void markEvictionRequested(Pod pod, String value) {
            marks.add(pod.getMetadata().getName() + "=" + value);
        }

        @Override
        public void evictionRefused(ServerFleet fleet, Pod pod, String note) {
            events.add(note);
        }
    }
}
