package dev.ferry.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * The operator's own autoscaler: it sets spec.replicas (through the scale subresource) so that each
 * pod holds about {@code targetSessionsPerPod} sessions, from the session counts the pods report.
 * Present means on.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
// Rules rather than "required", so that the message says what to set.
@ValidationRule(
        value = "has(self.maxReplicas) && has(self.targetSessionsPerPod)",
        message = "autoscaling needs maxReplicas (the most pods) and targetSessionsPerPod (the sessions per pod to"
                + " aim at)")
@ValidationRule(
        value = "!has(self.maxReplicas) || self.minReplicas <= self.maxReplicas",
        message = "autoscaling.minReplicas must not be above autoscaling.maxReplicas; lower minReplicas or raise"
                + " maxReplicas")
public class AutoscalingSpec {

    @JsonPropertyDescription("The fewest pods the autoscaler keeps, however few sessions there are.")
    @Min(1)
    @Max(10000)
    @Default("1")
    private Integer minReplicas = 1;

    @JsonPropertyDescription("The most pods the autoscaler creates, however many sessions there are.")
    @Min(1)
    @Max(10000)
    private Integer maxReplicas;

    @JsonPropertyDescription(
            "Sessions per pod the autoscaler aims at: replicas = ceil(sessions / targetSessionsPerPod), within"
                    + " minReplicas and maxReplicas.")
    @Min(1)
    @Max(10000000)
    private Integer targetSessionsPerPod;

    @JsonPropertyDescription("How the autoscaler adds pods.")
    @Default("{}")
    private ScaleUpRules scaleUp = new ScaleUpRules();

    @JsonPropertyDescription(
            "How the autoscaler removes pods (each removed pod first migrates its sessions to the others).")
    @Default("{}")
    private ScaleDownRules scaleDown = new ScaleDownRules();

    public Integer getMinReplicas() {
        return minReplicas;
    }

    public void setMinReplicas(Integer minReplicas) {
        this.minReplicas = minReplicas;
    }

    public Integer getMaxReplicas() {
        return maxReplicas;
    }

    public void setMaxReplicas(Integer maxReplicas) {
        this.maxReplicas = maxReplicas;
    }

    public Integer getTargetSessionsPerPod() {
        return targetSessionsPerPod;
    }

    public void setTargetSessionsPerPod(Integer targetSessionsPerPod) {
        this.targetSessionsPerPod = targetSessionsPerPod;
    }

    public ScaleUpRules getScaleUp() {
        return scaleUp;
    }

    public void setScaleUp(ScaleUpRules scaleUp) {
        this.scaleUp = scaleUp;
    }

    public ScaleDownRules getScaleDown() {
        return scaleDown;
    }

    public void setScaleDown(ScaleDownRules scaleDown) {
        this.scaleDown = scaleDown;
    }
}
