package dev.ferry.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;

/**
 * A PodDisruptionBudget for the fleet's pods, so voluntary evictions (kubectl drain) wait while the
 * operator replaces and drains the pods of a cordoned node.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodDisruptionBudgetSpec {

    @JsonPropertyDescription("Whether the operator keeps a PodDisruptionBudget for the fleet.")
    @Default("false")
    private Boolean enabled = false;

    @JsonPropertyDescription("The budget's maxUnavailable: a number of pods, or a percentage such as '10%'.")
    @Default("1")
    @ValidationRule(
            value = UpdateStrategySpec.COUNT_OR_PERCENT,
            message = "podDisruptionBudget.maxUnavailable must be a non-negative integer or a percentage such as '10%'")
    private IntOrString maxUnavailable = new IntOrString(1);

    public Boolean getEnabled() {
        return enabled;
    }

    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }

    public IntOrString getMaxUnavailable() {
        return maxUnavailable;
    }

    public void setMaxUnavailable(IntOrString maxUnavailable) {
        this.maxUnavailable = maxUnavailable;
    }
}
