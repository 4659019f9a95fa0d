package dev.ferry.operator.podset;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Pods this operator deleted that the pod informer may still show as running (uid → fleet uid). Such
 * a pod must not be drained or counted again; it is forgotten once the informer no longer lists it.
 * The informer offers no way to evict an entry on delete, so this is the one piece of pod state the
 * operator keeps in memory; losing it on restart costs nothing (the new informer starts fresh).
 */
public final class DeletedPods {

    private final Map<String, String> fleetByPod = new ConcurrentHashMap<>();

    public void add(Pod pod, String fleetUid) {
        fleetByPod.put(pod.getMetadata().getUid(), fleetUid);
    }

    /** {@code cached} without the pods deleted here; forgets those the cache no longer lists. */
    public List<Pod> withoutDeleted(String fleetUid, List<Pod> cached) {
        Set<String> present = cached.stream().map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
        fleetByPod.entrySet().removeIf(e -> e.getValue().equals(fleetUid) && !present.contains(e.getKey()));
        return cached.stream()
                .filter(p -> !fleetByPod.containsKey(p.getMetadata().getUid()))
                .toList();
    }

    public void forget(String fleetUid) {
        fleetByPod.values().removeIf(fleetUid::equals);
    }

    public boolean tracks(String fleetUid) {
        return fleetByPod.containsValue(fleetUid);
    }
}
