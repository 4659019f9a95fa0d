package dev.ferry.operator.model;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;

/** Session migrations the fleet's drains and rebalances started. */
public class MigrationCounts {

    @JsonPropertyDescription("Migrations requested and not finished yet.")
    @Min(0)
    private Long inFlight = 0L;

    @JsonPropertyDescription("Migrations that finished: the session resumed on its target.")
    @Min(0)
    private Long completed = 0L;

    @JsonPropertyDescription("Migrations that failed or expired; those sessions stayed on their source or ended.")
    @Min(0)
    private Long failed = 0L;

    public MigrationCounts() {}

    public MigrationCounts(long inFlight, long completed, long failed) {
        this.inFlight = inFlight;
        this.completed = completed;
        this.failed = failed;
    }

    public Long getInFlight() {
        return inFlight;
    }

    public void setInFlight(Long inFlight) {
        this.inFlight = inFlight;
    }

    public Long getCompleted() {
        return completed;
    }

    public void setCompleted(Long completed) {
        this.completed = completed;
    }

    public Long getFailed() {
        return failed;
    }

    public void setFailed(Long failed) {
        this.failed = failed;
    }
}
