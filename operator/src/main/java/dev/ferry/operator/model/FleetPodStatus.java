package dev.ferry.operator.model;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;

/** One pod of the fleet as the operator sees it. */
public class FleetPodStatus {

    @JsonPropertyDescription("The pod's name.")
    private String name;

    @JsonPropertyDescription("Starting (not ready yet), Serving (ready, gets new clients), Draining (its sessions are"
            + " migrating away; no new clients), Drained (empty, about to be deleted).")
    private FleetPodPhase phase;

    @JsonPropertyDescription("Sessions the pod holds, from its admin API.")
    @Min(0)
    private Long sessions;

    @JsonPropertyDescription("The pod's revision (hash of the pod template it was created from).")
    private String revision;

    public FleetPodStatus() {}

    public FleetPodStatus(String name, FleetPodPhase phase, long sessions, String revision) {
        this.name = name;
        this.phase = phase;
        this.sessions = sessions;
        this.revision = revision;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public FleetPodPhase getPhase() {
        return phase;
    }

    public void setPhase(FleetPodPhase phase) {
        this.phase = phase;
    }

    public Long getSessions() {
        return sessions;
    }

    public void setSessions(Long sessions) {
        this.sessions = sessions;
    }

    public String getRevision() {
        return revision;
    }

    public void setRevision(String revision) {
        this.revision = revision;
    }
}
