package dev.ferry.operator.resources;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import java.util.Optional;

/**
 * A drain lives on its pod, as annotations, so that a restarted operator picks it up where it
 * stopped. The drain controller ({@code dev.ferry.operator.drain}) writes them.
 *
 * <ul>
 *   <li>{@value #ANNOTATION}: Requested → Draining → Drained; absent while the pod serves normally;
 *   <li>{@value #STARTED_AT}: RFC 3339 time the drain began (bounds it with the idle migration timer);
 *   <li>{@value #REASON}: ScaleDown, Rollout or NodeDrain;
 *   <li>{@value #TARGETS}: comma-separated host:port list the pod was told to migrate to;
 *   <li>{@value #SESSIONS}: sessions the pod held when its drain started;
 *   <li>{@value #COUNTERS}: the pod's migration counters (requested,completed,failed,handedOff) when its drain
 *       started, so the drain's own migrations can be told apart.
 * </ul>
 */
public enum DrainState {
  /** Chosen for removal; still serving its sessions, no longer getting new clients. */
  Requested,
  /** Asked to migrate its sessions; the operator watches its session count. */
  Draining,
  /** Empty (or its idle migration timer passed); about to be deleted. */
  Drained;

  public static final String ANNOTATION = "ferry.dev/drain-state";
  public static final String STARTED_AT = "ferry.dev/drain-started-at";
  public static final String REASON = "ferry.dev/drain-reason";
  public static final String TARGETS = "ferry.dev/drain-targets";
  public static final String SESSIONS = "ferry.dev/drain-sessions";
  public static final String COUNTERS = "ferry.dev/drain-counters";

  /** The pod's drain state; empty when the pod is not draining (or the annotation is unknown). */
  public static Optional<DrainState> of(Pod pod) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(ANNOTATION);
    if (value == null) {
      return Optional.empty();
    }
    for (DrainState s : values()) {
      if (s.name().equals(value)) {
        return Optional.of(s);
      }
    }
    // An unknown value still means somebody started a drain: treat it as requested, never as serving.
    return Optional.of(Requested);
  }
}
