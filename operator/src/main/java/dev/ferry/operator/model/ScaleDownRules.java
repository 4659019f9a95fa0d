package dev.ferry.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * How the autoscaler removes pods: after the sessions have called for fewer pods for a while, one at a
 * time by default, since every removed pod's sessions migrate.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScaleDownRules {

    @JsonPropertyDescription(
            "Seconds the sessions must have called for fewer pods before pods are removed: the autoscaler scales"
                    + " down to the highest recommendation of this window.")
    @Min(0)
    @Max(3600)
    @Default("300")
    private Integer stabilizationWindowSeconds = 300;

    @JsonPropertyDescription(
            "The most pods one scale-down removes; the next one waits until their drains have finished.")
    @Min(1)
    @Max(10000)
    @Default("1")
    private Integer maxStep = 1;

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
