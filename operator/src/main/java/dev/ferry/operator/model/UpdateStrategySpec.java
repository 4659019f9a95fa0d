package dev.ferry.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;

/** How pods of an old revision are replaced: surge first, drain, then remove. */
@ValidationRule(
        value = "!(string(self.maxSurge) in ['0', '0%'] && string(self.maxUnavailable) in ['0', '0%'])",
        message = "updateStrategy.maxSurge and updateStrategy.maxUnavailable must not both be 0:"
                + " a rolling update could then neither add a pod nor remove one")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UpdateStrategySpec {

    /** A non-negative integer, or a percentage from 0% to 100%. */
    static final String COUNT_OR_PERCENT = "type(self) == int ? self >= 0 : self.matches('^(100|[1-9]?[0-9])%$')";

    @JsonPropertyDescription(
            "Pods created above replicas during a rolling update: a number, or a percentage of replicas"
                    + " (rounded up). New pods are ready before old ones drain, so clients move once.")
    @Default("1")
    @ValidationRule(
            value = COUNT_OR_PERCENT,
            message = "maxSurge must be a non-negative integer or a percentage such as '25%'")
    private IntOrString maxSurge = new IntOrString(1);

    @JsonPropertyDescription("Pods that may be unavailable (draining, or not ready yet) below replicas during a rolling"
            + " update: a number, or a percentage of replicas (rounded down).")
    @Default("0")
    @ValidationRule(
            value = COUNT_OR_PERCENT,
            message = "maxUnavailable must be a non-negative integer or a percentage such as '25%'")
    private IntOrString maxUnavailable = new IntOrString(0);

    @JsonPropertyDescription("Stops a rolling update where it is: no pod is added, drained or removed for it.")
    @Default("false")
    private Boolean paused = false;

    public IntOrString getMaxSurge() {
        return maxSurge;
    }

    public void setMaxSurge(IntOrString maxSurge) {
        this.maxSurge = maxSurge;
    }

    public IntOrString getMaxUnavailable() {
        return maxUnavailable;
    }

    public void setMaxUnavailable(IntOrString maxUnavailable) {
        this.maxUnavailable = maxUnavailable;
    }

    public Boolean getPaused() {
        return paused;
    }

    public void setPaused(Boolean paused) {
        this.paused = paused;
    }
}
