package dev.ferry.operator.drain;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/** What one reconciliation should start: pods to create (current revision) and pods to drain. */
public record DrainPlan(int podsToCreate, List<Pod> victims, DrainReason reason) {

  public DrainPlan {
    victims = List.copyOf(victims);
  }
}
