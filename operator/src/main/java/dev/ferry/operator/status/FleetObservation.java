package dev.ferry.operator.status;

import dev.ferry.operator.model.MigrationCounts;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;

/**
 * What the operator knows about a fleet at one moment: its pods, the revision of its current
 * template, and what the pods' admin APIs reported (sessions per pod, migration counts; empty until
 * the drain controller polls them); {@code adminFailures}: why admin API calls kept failing, when
 * they failed in several reconciliations in a row (null otherwise); {@code autoscaling}: who scales
 * the fleet and what the operator's autoscaler did (null when nothing autoscales it).
 */
public record FleetObservation(
        List<Pod> pods,
        String updateRevision,
        Map<String, Long> sessionsByPod,
        MigrationCounts migrations,
        String adminFailures,
        AutoscalingReport autoscaling) {

    public FleetObservation {
        pods = List.copyOf(pods);
        sessionsByPod = Map.copyOf(sessionsByPod);
    }

    /** Admin API calls all answered (or failed too few times in a row to report); nothing autoscales the fleet. */
    public FleetObservation(
            List<Pod> pods, String updateRevision, Map<String, Long> sessionsByPod, MigrationCounts migrations) {
        this(pods, updateRevision, sessionsByPod, migrations, null, null);
    }
}
