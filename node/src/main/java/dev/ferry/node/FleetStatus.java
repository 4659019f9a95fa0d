package dev.ferry.node;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A ServerFleet's status as {@code kubectl get sf -o yaml} shows it: what the node tier and the demo read, as a
 * user's tool would, without the operator's classes.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record FleetStatus(
        Long observedGeneration,
        Integer replicas,
        Integer readyReplicas,
        Integer updatedReplicas,
        String currentRevision,
        String updateRevision,
        String selector,
        Long sessions,
        Migrations migrations,
        List<Pod> pods,
        List<Condition> conditions,
        Autoscaling autoscaling) {

    public FleetStatus {
        pods = pods == null ? List.of() : List.copyOf(pods);
        conditions = conditions == null ? List.of() : List.copyOf(conditions);
        migrations = migrations == null ? new Migrations(0L, 0L, 0L) : migrations;
    }

    /** {@code status.autoscaling}: what the operator's own autoscaler recommends and its last change. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Autoscaling(Integer recommendedReplicas, String lastScaleTime, String lastScale) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Pod(String name, String phase, Long sessions, String revision) {
        public long sessionCount() {
            return sessions == null ? 0 : sessions;
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Migrations(Long inFlight, Long completed, Long failed) {
        public long completedCount() {
            return completed == null ? 0 : completed;
        }

        public long failedCount() {
            return failed == null ? 0 : failed;
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Condition(String type, String status, String reason, String message, Long observedGeneration) {}

    public int replicaCount() {
        return replicas == null ? 0 : replicas;
    }

    public int readyCount() {
        return readyReplicas == null ? 0 : readyReplicas;
    }

    public int updatedCount() {
        return updatedReplicas == null ? 0 : updatedReplicas;
    }

    public long sessionCount() {
        return sessions == null ? 0 : sessions;
    }

    public boolean condition(String type) {
        return conditions.stream().anyMatch(c -> c.type().equals(type) && "True".equals(c.status()));
    }

    /**
     * Settled at {@code replicas} pods of the fleet's current template, for spec generation {@code generation}: the
     * status describes that generation, every pod is of the update revision and Serving, none is draining, and
     * the fleet says Available and no longer Progressing.
     */
    public boolean settled(long generation, int replicas) {
        return observedGeneration != null
                && observedGeneration == generation
                && replicaCount() == replicas
                && readyCount() == replicas
                && updatedCount() == replicas
                && Objects.equals(currentRevision, updateRevision)
                && pods.size() == replicas
                && pods.stream()
                        .allMatch(p -> "Serving".equals(p.phase()) && Objects.equals(p.revision(), updateRevision))
                && condition("Available")
                && !condition("Progressing")
                && !condition("Draining");
    }

    /** The condition of this type, if the operator has written one. */
    public java.util.Optional<Condition> conditionOf(String type) {
        return conditions.stream().filter(c -> c.type().equals(type)).findFirst();
    }

    /** Sessions per pod name. */
    public Map<String, Long> sessionsByPod() {
        return pods.stream()
                .collect(java.util.stream.Collectors.toMap(
                        Pod::name, Pod::sessionCount, Long::sum, java.util.TreeMap::new));
    }
}
