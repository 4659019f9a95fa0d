package dev.ferry.operator.quarkus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.controlplane.ControlPlane;
import dev.ferry.operator.cluster.Fleets;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The packaged operator's leader election wiring (LeaderElectionProducer → quarkus-operator-sdk →
 * JOSDK) on the real API server, under the operator's ServiceAccount and the lease Role of
 * deploy/rbac.yaml: the operator takes the configured lease, then reconciles. QOSDK activates leader
 * election in the prod profile only; this profile activates it for the test.
 */
@QuarkusTest
@TestProfile(QuarkusLeaderElectionTest.LeaderElected.class)
@QuarkusTestResource(value = ControlPlaneOperatorResource.class, restrictToAnnotatedClass = true)
// First (junit-platform.properties): see ControlPlaneOperatorResource.
@org.junit.jupiter.api.Order(1)
class QuarkusLeaderElectionTest {

    public static class LeaderElected implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.operator-sdk.activate-leader-election-for-profiles", "test",
                    "ferry.leader-election.lease-name", "quarkus-operator",
                    // JOSDK would otherwise System.exit when this app stops (and gives up the lease) before the next
                    // test.
                    "ferry.leader-election.exit-on-lost-lease", "false");
        }
    }

    @Test
    void theOperatorHoldsTheLeaseAndReconciles() {
        String ns = ControlPlaneOperatorResource.namespace;
        try (KubernetesClient admin = ControlPlane.get().newAdminClient(ns)) {
            Lease lease = await("the lease taken")
                    .atMost(Duration.ofSeconds(60))
                    .until(
                            () -> admin.resources(Lease.class)
                                    .withName("quarkus-operator")
                                    .get(),
                            l -> l != null
                                    && l.getSpec().getHolderIdentity() != null
                                    && !l.getSpec().getHolderIdentity().isBlank());
            // application.properties' timing reached JOSDK.
            assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(15);

            admin.resource(Fleets.valid("elected", 1)).create();
            await("the leader reconciles")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> admin.pods()
                                    .withLabel("ferry.dev/fleet", "elected")
                                    .list()
                                    .getItems()
                                    .size()
                            == 1);
            assertThat(admin.resources(Lease.class)
                            .withName("quarkus-operator")
                            .get()
                            .getSpec()
                            .getHolderIdentity())
                    .isEqualTo(lease.getSpec().getHolderIdentity());
        }
    }
}
