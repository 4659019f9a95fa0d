package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leading operator pod is killed ({@code kubectl delete pod --grace-period=0 --force}) while it drains a pod
 * of a scale-down, slowed to a few sessions a second: the other replica takes the lease, finds the drain recorded
 * on the pod, and finishes it. Every session of the removed pod moves once; nobody's command fails.
 */
class LeaderKilledIT extends FerryOnNode {

    private static final Logger log = LoggerFactory.getLogger(LeaderKilledIT.class);
    private static final int SESSIONS = 90;

    @Test
    void theOtherOperatorReplicaFinishesTheDrainOfAKilledLeader() {
        NodeCluster cluster = cluster();
        String manifest = fleetManifest("leader", 3, SERVER_IMAGE, "Pod", 60, "  migrationRatePerSecond: 1\n");
        Fleet fleet = Fleet.apply(cluster, namespace, manifest);
        fleet.awaitSettled(3, SETTLE);
        fleet.awaitServiceRoutes(3, Duration.ofMinutes(1));

        try (CheckedSessions load = CheckedSessions.start(fleet.serviceAddress(), SESSIONS, Duration.ofMillis(20))) {
            load.awaitRounds(2, Duration.ofMinutes(1));
            Map<String, Long> before = load.sessionsByPod();
            log.info("sessions per pod: {}", before);

            fleet.scale(2);
            // Killed as soon as the drain starts (the operator marks it on the pod): at 1 session/s, the pod's sessions
            // keep the drain going well past the moment the leader's process is gone.
            String[] victim = new String[1];
            NodeCluster.await("a pod marked Draining by the operator", Duration.ofMinutes(2), () -> {
                fleet.pods().stream()
                        .filter(p ->
                                Fleet.drainState(p).filter("Draining"::equals).isPresent())
                        .findFirst()
                        .ifPresent(p -> victim[0] = p.getMetadata().getName());
                return victim[0] != null;
            });
            assertThat(before.getOrDefault(victim[0], 0L))
                    .as("sessions on the pod being drained")
                    .isGreaterThanOrEqualTo(10);
            String leader = leader(cluster);
            log.info("{} is draining; killing the leader {}", victim[0], leader);
            cluster.kubectl()
                    .run("delete", "pod", "-n", NodeCluster.FERRY_NAMESPACE, leader, "--grace-period=0", "--force");

            NodeCluster.await(
                    "another operator replica holding the lease",
                    Duration.ofMinutes(2),
                    () -> !leader.equals(leader(cluster)));
            String next = leader(cluster);
            fleet.awaitSettled(2, SETTLE);
            load.awaitRounds(8, Duration.ofMinutes(1));
            CheckedSessions.Summary summary = load.stop(Duration.ofMinutes(2));
            log.info("leader {} killed mid-drain of {}, {} took over: {}", leader, victim[0], next, summary);

            assertNothingFailed(summary);
            assertThat(fleet.pods()).extracting(p -> p.getMetadata().getName()).doesNotContain(victim[0]);
            assertThat(summary.sessionsByMoves().getOrDefault(1, 0L)).isEqualTo(before.get(victim[0]));
            assertThat(summary.sessionsByMoves().keySet()).isSubsetOf(0, 1);
            // Events name the replica that recorded them: the drain was started by the killed leader and finished by
            // the one that took over, which found it on the pod and did not record it as started a second time.
            assertThat(fleet.events("DrainStarted")).singleElement().satisfies(e -> {
                assertThat(e.getRelated().getName()).isEqualTo(victim[0]);
                assertThat(e.getReportingInstance()).isEqualTo(leader);
            });
            assertThat(fleet.events("DrainFinished")).singleElement().satisfies(e -> {
                assertThat(e.getRelated().getName()).isEqualTo(victim[0]);
                assertThat(e.getReportingInstance()).isEqualTo(next);
                assertThat(e.getNote()).contains("0 sessions left");
            });
            cluster.awaitAvailable(NodeCluster.FERRY_NAMESPACE, NodeCluster.OPERATOR, 2, SETTLE);
        }
    }

    private static String leader(NodeCluster cluster) {
        Lease lease = cluster.client()
                .leases()
                .inNamespace(NodeCluster.FERRY_NAMESPACE)
                .withName(NodeCluster.OPERATOR)
                .get();
        return lease == null || lease.getSpec() == null
                ? ""
                : String.valueOf(lease.getSpec().getHolderIdentity());
    }
}
