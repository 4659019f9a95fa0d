package dev.ferry.operator.drain;

import dev.ferry.operator.admin.PodAdminClient;
import dev.ferry.operator.admin.PodAdminStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * Asks every running pod of a fleet for its {@code /v1/status}, all at once; each call is bounded by
 * {@link PodAdminClient#TIMEOUT}. A pod that does not answer is left out (its sessions are unknown).
 */
public final class AdminPoller {

  private static final Logger log = Logger.getLogger(AdminPoller.class);

  private AdminPoller() {}

  public static Map<String, PodAdminStatus> poll(List<Pod> pods, PodAdminClient admin) {
    Map<String, CompletableFuture<PodAdminStatus>> calls = new HashMap<>();
    for (Pod pod : pods) {
      String ip = FleetPods.podIP(pod);
      boolean running = pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase());
      if (ip != null && running && pod.getMetadata().getDeletionTimestamp() == null) {
        calls.put(FleetPods.name(pod), admin.status(ip));
      }
    }
    Map<String, PodAdminStatus> statuses = new HashMap<>();
    calls.forEach(
        (name, call) -> {
          try {
            statuses.put(name, call.join());
          } catch (RuntimeException e) {
            log.debugf("No status from pod %s: %s", name, e.getMessage());
          }
        });
    return statuses;
  }
}
