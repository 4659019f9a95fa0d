package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A HorizontalPodAutoscaler ({@code autoscaling/v2}, on CPU, from metrics-server) drives a ServerFleet through its
 * scale subresource: busy clients raise the pods' CPU and it scales the fleet up; when they leave it scales the
 * fleet down, and every pod it removes migrates its sessions first, so the quiet clients that stayed throughout see
 * no failed command. The operator's own autoscaler is not in play: the fleet reports that the HPA scales it.
 */
class HorizontalPodAutoscalerIT extends FerryOnNode {

    private static final Logger log = LoggerFactory.getLogger(HorizontalPodAutoscalerIT.class);
    private static final int MAX = 3;
    private static final int SCALE_DOWN_WINDOW_SECONDS = 30;

    @Test
    void cpuLoadScalesTheFleetUpAndItsEndScalesItDownWithDrains() {
        // A CPU request the quiet clients stay well under and the busy ones far above; rebalance gives the pods the
        // HPA adds some of the sessions, so that its scale-down has sessions to migrate.
        String manifest = fleetManifest("hpa", 1, SERVER_IMAGE, "Pod", 20, "  rebalance:\n    enabled: true\n")
                .replace("cpu: 50m", "cpu: 200m");
        Fleet fleet = Fleet.apply(cluster(), namespace, manifest);
        fleet.awaitSettled(1, SETTLE);
        fleet.awaitServiceRoutes(1, Duration.ofMinutes(1));
        cluster()
                .kubectl()
                .runWithInput("""
                        apiVersion: autoscaling/v2
                        kind: HorizontalPodAutoscaler
                        metadata:
                          name: hpa
                        spec:
                          scaleTargetRef:
                            apiVersion: ferry.dev/v1alpha1
                            kind: ServerFleet
                            name: hpa
                          minReplicas: 1
                          maxReplicas: %d
                          metrics:
                            - type: Resource
                              resource:
                                name: cpu
                                target:
                                  type: Utilization
                                  averageUtilization: 60
                          behavior:
                            scaleDown:
                              stabilizationWindowSeconds: %d
                              policies:
                                - type: Pods
                                  value: 1
                                  periodSeconds: 15
                        """.formatted(MAX, SCALE_DOWN_WINDOW_SECONDS), "apply", "-n", namespace, "-f", "-");
        NodeCluster.await("the HPA reading the fleet's CPU from metrics-server", SETTLE, () -> {
            HorizontalPodAutoscaler hpa = hpa();
            return hpa != null
                    && hpa.getStatus() != null
                    && hpa.getStatus().getConditions() != null
                    && hpa.getStatus().getConditions().stream()
                            .anyMatch(c -> "ScalingActive".equals(c.getType()) && "True".equals(c.getStatus()));
        });
        NodeCluster.await(
                "the fleet saying the HPA scales it",
                Duration.ofMinutes(1),
                () -> fleet.status()
                        .conditionOf("Autoscaling")
                        .map(c -> "True".equals(c.status()) && "HorizontalPodAutoscaler".equals(c.reason()))
                        .orElse(false));

        // Quiet clients stay throughout; busy ones make the CPU.
        try (CheckedSessions quiet = CheckedSessions.start(fleet.serviceAddress(), 20, Duration.ofSeconds(1))) {
            quiet.awaitRounds(2, Duration.ofMinutes(1));
            Instant busyAt;
            try (CheckedSessions busy = CheckedSessions.start(fleet.serviceAddress(), 60, Duration.ofMillis(5))) {
                busyAt = Instant.now();
                NodeCluster.await("the HPA scaling the fleet to " + MAX, SETTLE, () -> fleet.specReplicas() == MAX);
                log.info(
                        "scaled to {} {} s after the load rose; HPA: {}",
                        MAX,
                        Duration.between(busyAt, Instant.now()).toSeconds(),
                        hpaSummary());
                fleet.awaitSettled(MAX, SETTLE);
                NodeCluster.await(
                        "rebalance onto the pods the HPA added",
                        SETTLE,
                        () -> !fleet.events("RebalanceFinished").isEmpty());
                log.info("sessions per pod after rebalance: {}", fleet.status().sessionsByPod());
                CheckedSessions.Summary busySummary = busy.stop(Duration.ofMinutes(2));
                log.info("the busy clients: {}", busySummary);
                assertNothingFailed(busySummary);
            }
            Instant quietAt = Instant.now();
            NodeCluster.await(
                    "the HPA scaling the fleet back to 1 with its drains done",
                    SETTLE.multipliedBy(2),
                    () -> fleet.specReplicas() == 1 && fleet.status().settled(fleet.generation(), 1));
            log.info(
                    "back to 1 {} s after the load fell; HPA: {}",
                    Duration.between(quietAt, Instant.now()).toSeconds(),
                    hpaSummary());

            List<Event> drained = fleet.events("DrainFinished");
            drained.forEach(e -> log.info("DrainFinished: {}", e.getNote()));
            assertThat(drained).as("every pod the HPA removed drained first").hasSize(MAX - 1);
            assertThat(fleet.events("Autoscaled"))
                    .as("the operator's own autoscaler did nothing")
                    .isEmpty();

            quiet.awaitRounds(quiet.roundsDone() + 2, Duration.ofMinutes(1));
            CheckedSessions.Summary summary = quiet.stop(Duration.ofMinutes(2));
            log.info("the quiet clients: {}", summary);
            assertNothingFailed(summary);
            assertThat(summary.moves())
                    .as("quiet sessions moved by rebalance and by the drains")
                    .isPositive();
            String last = fleet.pods().get(0).getMetadata().getName();
            assertThat(summary.sessionsByPod()).as("all on the pod left").containsOnlyKeys(last);
        }
    }

    private HorizontalPodAutoscaler hpa() {
        return cluster()
                .client()
                .autoscaling()
                .v2()
                .horizontalPodAutoscalers()
                .inNamespace(namespace)
                .withName("hpa")
                .get();
    }

    private String hpaSummary() {
        HorizontalPodAutoscaler hpa = hpa();
        if (hpa == null || hpa.getStatus() == null) return "no status";
        return "current " + hpa.getStatus().getCurrentReplicas() + ", desired "
                + hpa.getStatus().getDesiredReplicas() + ", metrics "
                + hpa.getStatus().getCurrentMetrics();
    }
}
