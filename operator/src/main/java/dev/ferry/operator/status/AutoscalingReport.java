package dev.ferry.operator.status;

import dev.ferry.operator.model.AutoscalingStatus;

/**
 * Who scales a fleet and what the operator's autoscaler did, for the status: the Autoscaling
 * condition ({@code active}, {@code reason}, {@code message}) and status.autoscaling ({@code status},
 * null unless the operator's autoscaler runs).
 */
public record AutoscalingReport(AutoscalingStatus status, boolean active, String reason, String message) {}
