package dev.ferry.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;

/** What the operator last saw of a fleet. Written with server-side apply, and only when it changed. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ServerFleetStatus {

    @JsonPropertyDescription("The metadata.generation of the spec this status describes.")
    @Min(0)
    private Long observedGeneration;

    @JsonPropertyDescription("Pods of the fleet that are not being removed (the scale subresource's replicas).")
    @StatusReplicas
    @Min(0)
    private Integer replicas;

    @JsonPropertyDescription("Pods that are ready and serving clients.")
    @Min(0)
    private Integer readyReplicas;

    @JsonPropertyDescription("Pods of the update revision (the current pod template).")
    @Min(0)
    private Integer updatedReplicas;

    @JsonPropertyDescription("Revision (pod template hash) of the pods serving before the rollout in progress.")
    private String currentRevision;

    @JsonPropertyDescription("Revision (pod template hash) of the fleet's current pod template.")
    private String updateRevision;

    @JsonPropertyDescription("Label selector of the fleet's pods, for the scale subresource (HPA, KEDA).")
    @LabelSelector
    private String selector;

    @JsonPropertyDescription("Sessions held by the fleet's pods.")
    @Min(0)
    private Long sessions;

    @JsonPropertyDescription("Session migrations of drains and rebalances.")
    private MigrationCounts migrations;

    @JsonPropertyDescription("What the operator's autoscaler saw and did, with spec.autoscaling.")
    private AutoscalingStatus autoscaling;

    @JsonPropertyDescription("The fleet's pods, by name.")
    private List<FleetPodStatus> pods = new ArrayList<>();

    @JsonPropertyDescription(
            "Ready, Reconciling and Stalled (kstatus: what kubectl wait and GitOps tools read), Available, Progressing, Draining, MigrationDisabled, Rebalancing, Autoscaling and ReconcileError, each with the generation it describes.")
    private List<Condition> conditions = new ArrayList<>();

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public Integer getReplicas() {
        return replicas;
    }

    public void setReplicas(Integer replicas) {
        this.replicas = replicas;
    }

    public Integer getReadyReplicas() {
        return readyReplicas;
    }

    public void setReadyReplicas(Integer readyReplicas) {
        this.readyReplicas = readyReplicas;
    }

    public Integer getUpdatedReplicas() {
        return updatedReplicas;
    }

    public void setUpdatedReplicas(Integer updatedReplicas) {
        this.updatedReplicas = updatedReplicas;
    }

    public String getCurrentRevision() {
        return currentRevision;
    }

    public void setCurrentRevision(String currentRevision) {
        this.currentRevision = currentRevision;
    }

    public String getUpdateRevision() {
        return updateRevision;
    }

    public void setUpdateRevision(String updateRevision) {
        this.updateRevision = updateRevision;
    }

    public String getSelector() {
        return selector;
    }

    public void setSelector(String selector) {
        this.selector = selector;
    }

    public Long getSessions() {
        return sessions;
    }

    public void setSessions(Long sessions) {
        this.sessions = sessions;
    }

    public AutoscalingStatus getAutoscaling() {
        return autoscaling;
    }

    public void setAutoscaling(AutoscalingStatus autoscaling) {
        this.autoscaling = autoscaling;
    }

    public MigrationCounts getMigrations() {
        return migrations;
    }

    public void setMigrations(MigrationCounts migrations) {
        this.migrations = migrations;
    }

    public List<FleetPodStatus> getPods() {
        return pods;
    }

    public void setPods(List<FleetPodStatus> pods) {
        this.pods = pods;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }
}
