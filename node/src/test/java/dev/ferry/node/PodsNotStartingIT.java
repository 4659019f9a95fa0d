package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet whose template names an image that is not on the nodes: its status says which pods cannot start and the
 * kubelet's reason (in Progressing, reason PodsNotStarting), not only "0 of 2 pods are ready"; fixing the image with
 * kubectl replaces those pods and the fleet becomes Available.
 */
class PodsNotStartingIT extends FerryOnNode {

    private static final Logger log = LoggerFactory.getLogger(PodsNotStartingIT.class);
    private static final String MISSING = "localhost/ferry/server:no-such-build";

    @Test
    void aMissingImageIsNamedInTheFleetStatusAndFixingItBringsTheFleetUp() {
        Fleet fleet = Fleet.apply(cluster(), namespace, fleetManifest("typo", 2, MISSING, "Pod", 30, 600, ""));
        FleetStatus.Condition[] seen = new FleetStatus.Condition[1];
        NodeCluster.await("Progressing naming the pods that cannot start", Duration.ofMinutes(2), () -> {
            seen[0] = fleet.status().conditionOf("Progressing").orElse(null);
            return seen[0] != null && "PodsNotStarting".equals(seen[0].reason());
        });
        log.info(
                "with image {}: Progressing {} {}: {}", MISSING, seen[0].status(), seen[0].reason(), seen[0].message());
        assertThat(seen[0].message())
                .contains("container server: ")
                .contains(MISSING)
                .contains("spec.template");
        FleetStatus stuck = fleet.status();
        assertThat(stuck.conditionOf("Available"))
                .hasValueSatisfying(c -> assertThat(c.status()).isEqualTo("False"));
        assertThat(stuck.conditionOf("Stalled"))
                .as("kstatus: a person must act")
                .hasValueSatisfying(c -> {
                    assertThat(c.status()).isEqualTo("True");
                    assertThat(c.reason()).isEqualTo("PodsNotStarting");
                    assertThat(c.message()).contains(MISSING);
                });
        assertThat(stuck.conditionOf("Ready"))
                .hasValueSatisfying(c -> assertThat(c.status()).isEqualTo("False"));

        fleet.setImage(SERVER_IMAGE);
        FleetStatus settled = fleet.awaitSettled(2, SETTLE);
        assertThat(settled.conditionOf("Progressing"))
                .hasValueSatisfying(c -> assertThat(c.reason()).isEqualTo("Stable"));
        assertThat(settled.conditionOf("Stalled"))
                .hasValueSatisfying(c -> assertThat(c.status()).isEqualTo("False"));
        assertThat(fleet.pods())
                .allSatisfy(p -> assertThat(p.getSpec().getContainers().get(0).getImage())
                        .isEqualTo(SERVER_IMAGE));
    }
}
