package dev.ferry.operator.drain;

import dev.ferry.operator.admin.PodAdminClient;
import dev.ferry.operator.admin.PodAdminStatus;
import dev.ferry.operator.status.PodPhases;
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
    return poll(pods, admin, new java.util.ArrayList<>());
  }

  /**
   * As {@link #poll(List, PodAdminClient)}; adds to {@code failures} each ready pod that did not
   * answer (a starting pod's admin API may not listen yet, so it does not count).
   */
  public static Map<String, PodAdminStatus> poll(List<Pod> pods, PodAdminClient admin, List<String> failures) {
    Map<String, Pod> byName = new HashMap<>();
    pods.forEach(p -> byName.put(FleetPods.name(p), p));
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
            String why = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
            log.debugf("No status from pod %s: %s", name, why);
            if (PodPhases.isReady(byName.get(name))) {
              failures.add(name + ": status: " + why);
            }
          }
        });
    return statuses;
  }
}
