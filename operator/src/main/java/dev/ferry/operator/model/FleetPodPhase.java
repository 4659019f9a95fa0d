package dev.ferry.operator.model;

/** Where a fleet pod is in its life, as the operator reports it in status.pods. */
public enum FleetPodPhase {
    Starting,
    Serving,
    Draining,
    Drained
}
