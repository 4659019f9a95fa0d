package dev.ferry.operator.status;

import java.util.List;
import java.util.Optional;

/**
 * The kstatus conditions (Ready, Reconciling, Stalled) that {@code kubectl wait}, Flux and Argo CD read, derived from
 * what the other conditions already found. Both ways a status is written use it: a reconciliation that observed the
 * fleet ({@link #observed}) and one that failed ({@link #afterFailure}).
 */
public final class KstatusConditions {

    /** A condition's status, reason and message before it is set. */
    record Value(boolean status, String reason, String message) {}

    /**
     * What a reconciliation observed, as the inputs of the rules.
     *
     * @param progressing the Progressing condition as computed (its status is False while a rollout is paused)
     * @param podsNotStarting pods that cannot start were found (Progressing's reason says so)
     * @param adminFailures why the pods' admin API keeps failing, or null
     * @param pausedRollout a rollout is under way and paused
     * @param rebalancingOnto new pods still waiting for sessions (empty when rebalance is off)
     * @param available the Available condition as computed
     * @param readyMessage the message of Ready when it is True
     */
    record Observed(
            Value progressing,
            boolean podsNotStarting,
            String adminFailures,
            boolean pausedRollout,
            List<String> rebalancingOnto,
            Value available,
            String readyMessage) {}

    private KstatusConditions() {}

    static void observed(Conditions c, Observed o, long generation) {
        Optional<Value> stalled = stalled(o);
        Value reconciling;
        if (stalled.isPresent()) {
            reconciling = new Value(false, "Stalled", "No progress until what the Stalled condition names is fixed.");
        } else if (o.progressing().status()) {
            reconciling = o.progressing();
        } else if (!o.rebalancingOnto().isEmpty()) {
            reconciling = new Value(
                    true,
                    "Rebalancing",
                    "Moving sessions onto new pod(s) " + String.join(", ", o.rebalancingOnto()) + ".");
        } else {
            reconciling = new Value(false, "Reconciled", "Generation " + generation + " is reconciled.");
        }

        Value ready;
        if (stalled.isPresent()) {
            ready = new Value(false, stalled.get().reason(), stalled.get().message());
        } else if (reconciling.status()) {
            ready = new Value(false, reconciling.reason(), reconciling.message());
        } else if (o.pausedRollout()) {
            ready = new Value(false, "RolloutPaused", o.progressing().message());
        } else if (!o.available().status()) {
            ready = new Value(false, o.available().reason(), o.available().message());
        } else {
            ready = new Value(true, "Ready", o.readyMessage());
        }
        set(
                c,
                ready,
                reconciling,
                stalled.orElse(new Value(false, "MakingProgress", "Nothing keeps the operator from the spec.")));
    }

    /**
     * A reconciliation that threw: not Ready; Reconciling while JOSDK retries with back-off, Stalled once the retries
     * are spent (until the next change of the fleet or its pods).
     */
    public static void afterFailure(Conditions c, String reason, String message, boolean lastAttempt) {
        Value reconciling = lastAttempt
                ? new Value(false, "Stalled", "The retries are spent; see the Stalled condition.")
                : new Value(true, "RetryingAfterError", "Retrying with back-off after: " + message);
        Value stalled = lastAttempt
                ? new Value(
                        true,
                        reason,
                        "Reconciliation failed on every retry: " + message
                                + " It is tried again when the fleet or its pods change.")
                : new Value(false, "MakingProgress", "The failed reconciliation is being retried.");
        set(c, new Value(false, "ReconcileFailed", message), reconciling, stalled);
    }

    /** Pods that cannot start, or an admin API that stays unreachable: only a person gets the fleet going again. */
    private static Optional<Value> stalled(Observed o) {
        if (o.podsNotStarting()) {
            return Optional.of(
                    new Value(true, o.progressing().reason(), o.progressing().message()));
        }
        if (o.adminFailures() != null) {
            return Optional.of(new Value(
                    true,
                    "AdminCallsFailing",
                    "The operator cannot reach the pods' admin API, so it cannot drain or count sessions: "
                            + o.adminFailures()));
        }
        return Optional.empty();
    }

    private static void set(Conditions c, Value ready, Value reconciling, Value stalled) {
        c.set(ConditionType.Ready, ready.status(), ready.reason(), ready.message());
        c.set(ConditionType.Reconciling, reconciling.status(), reconciling.reason(), reconciling.message());
        c.set(ConditionType.Stalled, stalled.status(), stalled.reason(), stalled.message());
    }
}
