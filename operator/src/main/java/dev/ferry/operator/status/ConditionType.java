package dev.ferry.operator.status;

/** The condition types of a ServerFleet's status. */
public enum ConditionType {
    /**
     * The fleet is what its spec at {@code observedGeneration} asks for: every pod created, ready and on the
     * current revision, nothing draining or waiting for a rebalance, nothing stalled. What {@code kubectl wait
     * --for=condition=Ready} and GitOps health checks wait for; False with the reason of what is still under
     * way (a rollout, a scale-down, RolloutPaused, ...).
     */
    Ready,
    /**
     * kstatus: True while the operator is still acting on the spec (creating, rolling out, draining, rebalancing),
     * with the same reason Progressing or Rebalancing gives; False once it is done or when it is stalled.
     */
    Reconciling,
    /**
     * kstatus: True when the operator cannot make progress without a person: pods that cannot start
     * (PodsNotStarting), pods whose admin API stays unreachable (AdminCallsFailing), or a reconciliation that
     * failed all its retries (the exception's class).
     */
    Stalled,
    /** Enough pods are ready to serve clients (replicas minus the rollout's maxUnavailable, at least one). */
    Available,
    /** The operator is changing the fleet: creating pods, rolling out a template, or scaling down. */
    Progressing,
    /** At least one pod is draining: its sessions are migrating away. */
    Draining,
    /** Both timers are 0: pods are removed by closing their connections, sessions do not move. */
    MigrationDisabled,
    /**
     * Only with spec.rebalance.enabled: sessions are being moved onto pods a scale-up created (True
     * while any pod still waits for its share).
     */
    Rebalancing,
    /**
     * Who scales the fleet: True with spec.autoscaling (reason SessionTarget) or when a
     * HorizontalPodAutoscaler targets it (reason HorizontalPodAutoscaler); False when both would, in
     * which case the operator's autoscaler stands aside (reason ConflictingAutoscalers). Absent when
     * nothing autoscales the fleet.
     */
    Autoscaling,
    /**
     * The last reconciliation failed, or the pods' admin API calls failed in several reconciliations
     * in a row (reason AdminCallsFailing); the message says why.
     */
    ReconcileError
}
