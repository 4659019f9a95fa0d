package dev.ferry.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** What the operator's autoscaler saw and did (only with spec.autoscaling). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AutoscalingStatus {

    @JsonPropertyDescription(
            "Replicas the pods' sessions call for now: ceil(sessions / targetSessionsPerPod), within minReplicas"
                    + " and maxReplicas.")
    private Integer recommendedReplicas;

    @JsonPropertyDescription("When the autoscaler last changed spec.replicas.")
    private String lastScaleTime;

    @JsonPropertyDescription("Its last change of spec.replicas and why it was made.")
    private String lastScale;

    @JsonPropertyDescription(
            "The recommendations of the longer stabilization window, each from its time until the next one;"
                    + " kept here so that an operator restart does not forget them.")
    private List<Recommendation> recommendations = new ArrayList<>();

    public AutoscalingStatus() {}

    public AutoscalingStatus(
            Integer recommendedReplicas, String lastScaleTime, String lastScale, List<Recommendation> recommendations) {
        this.recommendedReplicas = recommendedReplicas;
        this.lastScaleTime = lastScaleTime;
        this.lastScale = lastScale;
        this.recommendations = new ArrayList<>(recommendations);
    }

    public Integer getRecommendedReplicas() {
        return recommendedReplicas;
    }

    public void setRecommendedReplicas(Integer recommendedReplicas) {
        this.recommendedReplicas = recommendedReplicas;
    }

    public String getLastScaleTime() {
        return lastScaleTime;
    }

    public void setLastScaleTime(String lastScaleTime) {
        this.lastScaleTime = lastScaleTime;
    }

    public String getLastScale() {
        return lastScale;
    }

    public void setLastScale(String lastScale) {
        this.lastScale = lastScale;
    }

    public List<Recommendation> getRecommendations() {
        return recommendations;
    }

    public void setRecommendations(List<Recommendation> recommendations) {
        this.recommendations = recommendations;
    }

    /** One recommendation: the replicas the sessions called for from {@code at} on. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Recommendation {

        @JsonPropertyDescription("When the recommendation was first made (RFC 3339).")
        private String at;

        @JsonPropertyDescription("The replicas recommended from then on.")
        private Integer replicas;

        public Recommendation() {}

        public Recommendation(String at, Integer replicas) {
            this.at = at;
            this.replicas = replicas;
        }

        public String getAt() {
            return at;
        }

        public void setAt(String at) {
            this.at = at;
        }

        public Integer getReplicas() {
            return replicas;
        }

        public void setReplicas(Integer replicas) {
            this.replicas = replicas;
        }
    }
}
