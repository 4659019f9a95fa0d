package dev.ferry.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Optional rebalancing after a scale-up: the new pods would otherwise get only new clients. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RebalanceSpec {

    @JsonPropertyDescription("Whether sessions are moved onto new pods after a scale-up.")
    @Default("false")
    private Boolean enabled = false;

    @JsonPropertyDescription("Sessions per second a rebalance moves, over the whole fleet.")
    @Min(1)
    @Max(1000000)
    @Default("100")
    private Integer ratePerSecond = 100;

    public Boolean getEnabled() {
        return enabled;
    }

    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }

    public Integer getRatePerSecond() {
        return ratePerSecond;
    }

    public void setRatePerSecond(Integer ratePerSecond) {
        this.ratePerSecond = ratePerSecond;
    }
}
