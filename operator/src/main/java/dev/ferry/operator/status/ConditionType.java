package dev.ferry.operator.status;

/** The condition types of a ServerFleet's status. */
public enum ConditionType {
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
