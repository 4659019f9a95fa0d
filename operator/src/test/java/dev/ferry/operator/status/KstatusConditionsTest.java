package dev.ferry.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The failure path of the kstatus conditions, and how a failure's conditions replace those of the last status. */
class KstatusConditionsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void aFailureJosdkRetriesIsReconcilingAndOneOutOfRetriesIsStalled() {
        Conditions retried = new Conditions(List.of(), 3, T0);
        KstatusConditions.afterFailure(retried, "IllegalStateException", "no CA yet", false);
        assertThat(retried.build())
                .extracting(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
                .containsExactly(
                        "Ready=False/ReconcileFailed",
                        "Reconciling=True/RetryingAfterError",
                        "Stalled=False/MakingProgress");

        Conditions spent = new Conditions(List.of(), 3, T0);
        KstatusConditions.afterFailure(spent, "IllegalStateException", "no CA yet", true);
        assertThat(spent.build())
                .extracting(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
                .containsExactly(
                        "Ready=False/ReconcileFailed",
                        "Reconciling=False/Stalled",
                        "Stalled=True/IllegalStateException");
        assertThat(spent.build().get(2).getMessage()).contains("no CA yet", "tried again when the fleet");
    }

    @Test
    void mergedConditionsReplaceTheirTypeAndKeepTheOrderOfConditionType() {
        List<Condition> previous = new Conditions(List.of(), 2, T0)
                .set(ConditionType.Ready, true, "Ready", "done")
                .set(ConditionType.Available, true, "MinimumReplicasReady", "2 of 2")
                .set(ConditionType.ReconcileError, false, "ReconcileSucceeded", "ok")
                .build();
        Condition foreign = new io.fabric8.kubernetes.api.model.ConditionBuilder()
                .withType("SomethingElse")
                .withStatus("True")
                .build();
        List<Condition> withForeign = new java.util.ArrayList<>(previous);
        withForeign.add(0, foreign);
        List<Condition> changed = new Conditions(previous, 3, T0.plusSeconds(60))
                .set(ConditionType.ReconcileError, true, "IllegalStateException", "boom")
                .set(ConditionType.Ready, false, "ReconcileFailed", "boom")
                .build();

        List<Condition> merged = Conditions.merge(withForeign, changed);

        assertThat(merged)
                .extracting(c -> c.getType() + "=" + c.getStatus())
                .containsExactly("Ready=False", "Available=True", "ReconcileError=True", "SomethingElse=True");
        assertThat(merged.get(1)).as("untouched").isSameAs(previous.get(1));
    }
}
