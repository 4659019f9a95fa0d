package dev.ferry.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** How the autoscaler adds pods: at once by default, a few at a time. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScaleUpRules {

    @JsonPropertyDescription(
            "Seconds the sessions must have called for more pods before pods are added: the autoscaler scales up"
                    + " to the lowest recommendation of this window.")
    @Min(0)
    @Max(3600)
    @Default("0")
    private Integer stabilizationWindowSeconds = 0;

    @JsonPropertyDescription("The most pods one scale-up adds; the next one waits until the pods it added are ready.")
    @Min(1)
    @Max(10000)
    @Default("4")
    private Integer maxStep = 4;

    public Integer getStabilizationWindowSeconds() {
        return stabilizationWindowSeconds;
    }

    public void setStabilizationWindowSeconds(Integer stabilizationWindowSeconds) {
        this.stabilizationWindowSeconds = stabilizationWindowSeconds;
    }

    public Integer getMaxStep() {
        return maxStep;
    }

    public void setMaxStep(Integer maxStep) {
        this.maxStep = maxStep;
    }
}
