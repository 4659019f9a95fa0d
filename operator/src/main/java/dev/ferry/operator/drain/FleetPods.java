package dev.ferry.operator.drain;

import dev.ferry.operator.admin.PodAdminStatus;
import dev.ferry.operator.resources.DrainState;
import dev.ferry.operator.resources.EvictionRequest;
import dev.ferry.operator.status.PodPhases;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A fleet's pods at one moment, with what their admin APIs reported (and when: {@code fetchedAt}),
 * sorted into the groups the drain logic works with. Pods being deleted are left out: they drain
 * themselves on SIGTERM.
 */
public record FleetPods(
        List<Pod> all,
        Map<String, PodAdminStatus> statuses,
        String revision,
        Set<String> drainingNodes,
        Map<String, Instant> fetchedAt) {

    public FleetPods {
        all = all.stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .toList();
        statuses = Map.copyOf(statuses);
        drainingNodes = Set.copyOf(drainingNodes);
        fetchedAt = Map.copyOf(fetchedAt);
    }

    /** Statuses whose time is not known are taken as current. */
    public FleetPods(List<Pod> all, Map<String, PodAdminStatus> statuses, String revision, Set<String> drainingNodes) {
        this(all, statuses, revision, drainingNodes, Map.of());
    }

    /** Whether the pod's status was read at or after {@code time} (or when that is not known). */
    public boolean statusReadSince(Pod pod, Instant time) {
        Instant at = fetchedAt.get(name(pod));
        return time == null || at == null || !at.isBefore(time);
    }

    /** No node is being drained. */
    public FleetPods(List<Pod> all, Map<String, PodAdminStatus> statuses, String revision) {
        this(all, statuses, revision, Set.of());
    }

    /** The pod runs on a cordoned or drain-tainted node (see {@link NodeDrains}). */
    public boolean onDrainingNode(Pod pod) {
        String node = nodeName(pod);
        return node != null && drainingNodes.contains(node);
    }

    /**
     * Active pods that have to go although nobody scaled the fleet down: on draining nodes, or marked by
     * a refused eviction ({@link EvictionRequest}). They are replaced, then drained.
     */
    public List<Pod> displaced() {
        return active().stream().filter(this::isDisplaced).toList();
    }

    /** On a draining node or evicted: the pod is on its way out and takes no sessions from others. */
    public boolean isDisplaced(Pod pod) {
        return onDrainingNode(pod) || EvictionRequest.isRequested(pod);
    }

    /** Serving pods that can take sessions: not on a draining node, not evicted. */
    public List<Pod> targets() {
        return serving().stream().filter(p -> !isDisplaced(p)).toList();
    }

    static String nodeName(Pod pod) {
        return pod.getSpec() == null ? null : pod.getSpec().getNodeName();
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
        return active().stream()
                .filter(p -> PodPhases.isReady(p) && PodPhases.isServing(p))
                .toList();
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
        Comparator<Pod> byCreation = Comparator.comparing(
                p -> Objects.requireNonNullElse(p.getMetadata().getCreationTimestamp(), ""));
        return byCreation.reversed().thenComparing(FleetPods::name);
    }
}
