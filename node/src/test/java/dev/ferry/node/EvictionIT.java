package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evictions migrate first (docs/operator.md): the operator's pods/eviction webhook refuses an eviction of a
 * serving fleet pod with 429 TooManyRequests and a message saying it migrates its sessions, and the operator
 * replaces the pod, drains it to the fleet's other pods and deletes it, so the caller's retry finds it gone.
 * Then {@code kubectl drain} of a node with fleet pods completes by itself, retrying on those 429s, while the
 * sessions run. No client command fails in either.
 */
class EvictionIT extends FerryOnNode {

    private static final Logger log = LoggerFactory.getLogger(EvictionIT.class);
    private static final int SESSIONS = 60;
    private static final String FLEET = "ev";
    private String drained;

    @Test
    void anEvictionIsRefusedUntilThePodHasMigratedItsSessionsAndKubectlDrainCompletes() {
        NodeCluster cluster = cluster();
        assertThat(cluster.nodes())
                .as("the drain needs a second node (scripts/node.sh up --nodes 2)")
                .hasSizeGreaterThanOrEqualTo(2);
        Fleet fleet = Fleet.apply(cluster, namespace, fleetManifest(FLEET, 2, SERVER_IMAGE, "Pod", 20));
        fleet.awaitSettled(2, SETTLE);
        fleet.awaitServiceRoutes(2, Duration.ofMinutes(1));

        try (CheckedSessions load = CheckedSessions.start(fleet.serviceAddress(), SESSIONS, Duration.ofMillis(20))) {
            load.awaitRounds(2, Duration.ofMinutes(1));
            Map<String, Long> before = load.sessionsByPod();
            String loaded = before.entrySet().stream()
                    .max(Map.Entry.comparingByValue())
                    .orElseThrow()
                    .getKey();
            long held = before.get(loaded);
            log.info("sessions per pod: {}; evicting {} ({} sessions)", before, loaded, held);
            // The webhook's message counts the sessions the fleet's status last reported.
            awaitSessionCounts(fleet, Map.of(loaded, held));

            // The webhook answers once an operator replica serves it and has published its CA; until then the
            // configuration's failurePolicy Ignore would let the eviction through, so wait on a dry run, which
            // the webhook refuses alike but marks nothing.
            NodeCluster.await("the eviction webhook answers", Duration.ofMinutes(2), () -> {
                Kubectl.Outcome dry = evict(cluster, loaded, true);
                return !dry.ok() && dry.err().contains("denied the request");
            });
            assertThat(annotations(cluster, loaded)).doesNotContainKey("ferry.dev/eviction-requested");

            Kubectl.Outcome refused = evict(cluster, loaded, false);
            log.info("eviction of {}: {}", loaded, refused.err().strip());
            assertThat(refused.ok()).as("the eviction is refused").isFalse();
            assertThat(refused.err())
                    .contains("TooManyRequests")
                    .contains("admission webhook \"eviction.ferry.dev\" denied the request")
                    .contains("pod " + namespace + "/" + loaded + " of ServerFleet " + FLEET)
                    .containsPattern("migrating its \\d+ sessions? to the fleet's other pods")
                    .contains("retry the eviction");
            assertThat(annotations(cluster, loaded)).containsKey("ferry.dev/eviction-requested");

            // A replacement serves, the pod's sessions migrate, and the operator deletes it.
            NodeCluster.await(
                    loaded + " replaced and deleted",
                    SETTLE,
                    () -> fleet.pods().stream()
                            .noneMatch(p -> loaded.equals(p.getMetadata().getName())));
            fleet.awaitSettled(2, SETTLE);
            Kubectl.Outcome retried = evict(cluster, loaded, false);
            assertThat(retried.err())
                    .as("the caller's retry finds the pod gone")
                    .contains("NotFound");
            load.awaitRounds(load.roundsDone() + 3, Duration.ofMinutes(1));
            assertThat(load.sessionsByPod()).doesNotContainKey(loaded);

            assertThat(fleet.events("EvictionRefused"))
                    .singleElement()
                    .satisfies(e -> assertThat(e.getNote()).contains("Eviction of pod " + loaded));
            assertThat(fleet.events("DrainStarted"))
                    .anySatisfy(e -> assertThat(e.getNote()).contains(loaded).contains("(Eviction)"));
            assertThat(fleet.events("PodCreated"))
                    .anySatisfy(e -> assertThat(e.getNote()).contains(loaded).contains("eviction was refused"));

            // kubectl drain of a node with fleet pods: it cordons, evicts (refused with 429, retried every 5 s)
            // until the operator has replaced, drained and deleted them. --pod-selector leaves Redis and the
            // operator where they are.
            Pod victim = fleet.pods().stream()
                    .max(Comparator.comparingLong(p ->
                            load.sessionsByPod().getOrDefault(p.getMetadata().getName(), 0L)))
                    .orElseThrow();
            drained = victim.getSpec().getNodeName();
            Set<String> onDrained = fleet.pods().stream()
                    .filter(p -> drained.equals(p.getSpec().getNodeName()))
                    .map(p -> p.getMetadata().getName())
                    .collect(Collectors.toSet());
            log.info("kubectl drain {} (fleet pods there: {})", drained, onDrained);
            Kubectl.Outcome drain = cluster.kubectl()
                    .attempt(
                            null,
                            Duration.ofMinutes(5),
                            "drain",
                            drained,
                            "--pod-selector=ferry.dev/fleet=" + FLEET,
                            "--ignore-daemonsets",
                            "--delete-emptydir-data",
                            "--timeout=4m")
                    .orThrow();
            log.info("kubectl drain {}: {}", drained, drain.out().strip());
            fleet.awaitSettled(2, SETTLE);
            load.awaitRounds(load.roundsDone() + 5, Duration.ofMinutes(1));
            CheckedSessions.Summary summary = load.stop(Duration.ofMinutes(2));
            log.info("eviction and kubectl drain under {} sessions: {}", SESSIONS, summary);

            assertNothingFailed(summary);
            assertThat(fleet.pods())
                    .allSatisfy(p -> assertThat(p.getSpec().getNodeName()).isNotEqualTo(drained));
            assertThat(summary.sessionsByPod().keySet())
                    .as("no session ended on a removed pod")
                    .doesNotContain(loaded)
                    .doesNotContainAnyElementsOf(onDrained);
            assertThat(summary.moves()).as("the removed pods' sessions moved").isPositive();
        }
    }

    @AfterEach
    void uncordon() {
        if (drained != null) cluster().kubectl().attempt(null, Duration.ofMinutes(1), "uncordon", drained);
    }

    /** POST pods/NAME/eviction (policy/v1) as kubectl drain does, through kubectl; a dry run if asked. */
    private Kubectl.Outcome evict(NodeCluster cluster, String pod, boolean dryRun) {
        String eviction = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"" + pod
                + "\",\"namespace\":\"" + namespace + "\"}}";
        return cluster.kubectl()
                .attempt(
                        eviction,
                        Duration.ofSeconds(30),
                        "create",
                        "--raw",
                        "/api/v1/namespaces/" + namespace + "/pods/" + pod + "/eviction"
                                + (dryRun ? "?dryRun=All" : ""),
                        "-f",
                        "-");
    }

    private Map<String, String> annotations(NodeCluster cluster, String pod) {
        Pod p = cluster.client().pods().inNamespace(namespace).withName(pod).get();
        Map<String, String> a = p == null ? null : p.getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }
}
