package dev.ferry.operator.drain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operator.cluster.Fleets;
import dev.ferry.operator.model.MigrationCounts;
import dev.ferry.operator.model.ServerFleet;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdminHealthTest {

    @Test
    void failuresInARowDegradeTheFleetAndOneCleanReconciliationRecoversIt() {
        ServerFleet fleet = fleet("uid-a");
        AdminHealth health = new AdminHealth();
        for (int i = 1; i < AdminHealth.THRESHOLD; i++) {
            AdminHealth.Verdict v = health.record(fleet, List.of("p1: status: connection refused"));
            assertThat(v.degraded()).as("a single failure is not reported yet").isEmpty();
            assertThat(v.change()).isEqualTo(AdminHealth.Change.NONE);
        }
        AdminHealth.Verdict degraded = health.record(fleet, List.of("p1: status: connection refused"));
        assertThat(degraded.change()).isEqualTo(AdminHealth.Change.DEGRADED);
        assertThat(degraded.degraded())
                .get()
                .asString()
                .contains("3 reconciliations in a row")
                .contains("p1: status: connection refused");
        AdminHealth.Verdict still = health.record(fleet, List.of("p1: drain: timeout"));
        assertThat(still.change()).as("the event is emitted once").isEqualTo(AdminHealth.Change.NONE);
        assertThat(still.degraded())
                .get()
                .asString()
                .contains("4 reconciliations")
                .contains("p1: drain: timeout");

        AdminHealth.Verdict ok = health.record(fleet, List.of());
        assertThat(ok.change()).isEqualTo(AdminHealth.Change.RECOVERED);
        assertThat(ok.degraded()).isEmpty();
        assertThat(health.tracked()).isZero();
    }

    @Test
    void aFailureBetweenCleanReconciliationsIsNoStreak() {
        ServerFleet fleet = fleet("uid-b");
        AdminHealth health = new AdminHealth();
        for (int i = 0; i < 10; i++) {
            assertThat(health.record(fleet, List.of("p1: status: timeout")).degraded())
                    .isEmpty();
            assertThat(health.record(fleet, List.of()).change()).isEqualTo(AdminHealth.Change.NONE);
        }
        health.record(fleet, List.of("p1: status: timeout"));
        health.forget("uid-b");
        assertThat(health.tracked()).isZero();
    }

    @Test
    void migrationTotalsForgetADeletedFleet() {
        MigrationTotals totals = new MigrationTotals();
        ServerFleet a = fleet("uid-a");
        ServerFleet b = fleet("uid-b");
        totals.add(a, 3, 1, 0);
        MigrationCounts counts = totals.add(a, 2, 0, 4);
        assertThat(counts.getCompleted()).isEqualTo(5L);
        assertThat(counts.getFailed()).isEqualTo(1L);
        assertThat(counts.getInFlight()).isEqualTo(4L);
        totals.add(b, 1, 0, 0);
        assertThat(totals.tracked()).isEqualTo(2);
        totals.forget("uid-a");
        totals.forget(b);
        assertThat(totals.tracked()).isZero();
    }

    private static ServerFleet fleet(String uid) {
        ServerFleet fleet = Fleets.valid("f", 1);
        fleet.getMetadata().setUid(uid);
        return fleet;
    }
}
