package dev.ferry.operator.drain;

import dev.ferry.operator.admin.PodAdminStatus;
import dev.ferry.operator.resources.DrainState;
import dev.ferry.operator.status.PodPhases;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A fleet's pods at one moment, with what their admin APIs reported, sorted into the groups the
 * drain logic works with. Pods being deleted are left out: they drain themselves on SIGTERM.
 */
public record FleetPods(List<Pod> all, Map<String, PodAdminStatus> statuses, String revision) {

  public FleetPods {
    all = all.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    statuses = Map.copyOf(statuses);
  }

  /** Not draining: they count toward replicas. */
  public List<Pod> active() {
    return all.stream().filter(PodPhases::isActive).toList();
  }

  public List<Pod> draining() {
    return all.stream().filter(p -> DrainState.of(p).isPresent()).toList();
  }

  /** Active pods that are ready and take clients. */
  public List<Pod> serving() {
    return active().stream().filter(p -> PodPhases.isReady(p) && PodPhases.isServing(p)).toList();
  }

  public boolean isNew(Pod pod) {
    return revision.equals(PodPhases.revision(pod));
  }

  /** Sessions the pod reported; -1 when unknown (no IP yet, or its admin API did not answer). */
  public long sessions(Pod pod) {
    PodAdminStatus s = statuses.get(name(pod));
    return s == null ? -1 : s.sessions();
  }

  public PodAdminStatus status(Pod pod) {
    return statuses.get(name(pod));
  }

  static String name(Pod pod) {
    return pod.getMetadata().getName();
  }

  static String podIP(Pod pod) {
    return pod.getStatus() == null ? null : pod.getStatus().getPodIP();
  }

  /** Newest first (creation time, then name for a stable order). */
  static Comparator<Pod> newestFirst() {
    Comparator<Pod> byCreation =
        Comparator.comparing(p -> Objects.requireNonNullElse(p.getMetadata().getCreationTimestamp(), ""));
    return byCreation.reversed().thenComparing(FleetPods::name);
  }
}
