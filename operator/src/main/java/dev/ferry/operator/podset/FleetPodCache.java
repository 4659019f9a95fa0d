package dev.ferry.operator.podset;

import dev.ferry.operator.drain.NodeDrains;
import dev.ferry.operator.drain.PodWrites;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.resources.FleetLabels;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A fleet's pods and their nodes as the informers show them, kept in step with this operator's own
 * writes: a pod it created or patched is put into the cache at once, one it deleted is left out until
 * the informer drops it. Without that the next reconciliation would count too few pods (and create
 * more) or drain a deleted one again.
 */
public final class FleetPodCache implements PodWrites.CacheUpdates {

    /** Name of the Node event source. */
    public static final String NODES = "nodes";

    private final ServerFleet fleet;
    private final Context<ServerFleet> context;
    private final InformerEventSource<Pod, ServerFleet> pods;
    private final DeletedPods deleted;

    @SuppressWarnings("unchecked")
    public FleetPodCache(ServerFleet fleet, Context<ServerFleet> context, DeletedPods deleted) {
        this.fleet = fleet;
        this.context = context;
        this.pods = (InformerEventSource<Pod, ServerFleet>)
                context.eventSourceRetriever().getEventSourceFor(Pod.class);
        this.deleted = deleted;
    }

    /** Every pod the fleet controls, including those on their way out. */
    public List<Pod> owned() {
        return new ArrayList<>(context.getSecondaryResourcesAsStream(Pod.class)
                .filter(p -> FleetLabels.isOwnedBy(p, fleet))
                .toList());
    }

    /** The pods drains and plans work with: deleted ones are left out until the cache forgets them. */
    public List<Pod> drainable() {
        return deleted.withoutDeleted(fleet.getMetadata().getUid(), owned());
    }

    /** The HorizontalPodAutoscalers whose scaleTargetRef is the fleet. */
    public List<HorizontalPodAutoscaler> autoscalers() {
        return context.getSecondaryResourcesAsStream(HorizontalPodAutoscaler.class)
                .filter(h -> FleetAutoscaling.targets(h, fleet))
                .toList();
    }

    /** The cordoned or drain-tainted nodes the fleet's pods run on, with why (node name → reason). */
    @SuppressWarnings("unchecked")
    public Map<String, String> drainingNodes() {
        var nodes = (InformerEventSource<Node, ServerFleet>)
                context.eventSourceRetriever().getEventSourceFor(Node.class, NODES);
        Map<String, String> draining = new HashMap<>();
        for (Pod pod : owned()) {
            String name = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
            if (name != null && !draining.containsKey(name)) {
                nodes.get(new ResourceID(name)).flatMap(NodeDrains::why).ifPresent(why -> draining.put(name, why));
            }
        }
        return draining;
    }

    /**
     * Whether the API server has pods of the fleet that the cache lacks. Creating pods from such a view
     * would overshoot: it happens while a stopping operator's informers are torn down under a running
     * reconciliation (a leader handing over), or when a new leader's cache is still filling. One list
     * call, made only when pods are to be created.
     */
    public boolean missesPods(KubernetesClient client) {
        Set<String> known = new HashSet<>();
        owned().forEach(p -> known.add(p.getMetadata().getUid()));
        return client
                .pods()
                .inNamespace(fleet.getMetadata().getNamespace())
                .withLabel(FleetLabels.FLEET, fleet.getMetadata().getName())
                .list()
                .getItems()
                .stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && FleetLabels.isOwnedBy(p, fleet))
                .anyMatch(p -> !known.contains(p.getMetadata().getUid()));
    }

    public void created(Pod pod) {
        pods.handleRecentResourceCreate(ResourceID.fromResource(pod), pod);
    }

    @Override
    public void updated(Pod updated, Pod previous) {
        pods.handleRecentResourceUpdate(ResourceID.fromResource(updated), updated, previous);
    }

    @Override
    public void deleted(Pod pod) {
        deleted.add(pod, fleet.getMetadata().getUid());
    }
}
