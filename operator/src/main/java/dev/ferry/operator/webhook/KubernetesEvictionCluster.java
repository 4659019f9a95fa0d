package dev.ferry.operator.webhook;

import dev.ferry.operator.FleetEvents;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.resources.EvictionRequest;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.Optional;

/**
 * {@link EvictionAdmission.Cluster} on the API server: reads by name (RBAC: pods and serverfleets get),
 * marks with a JSON merge patch of one annotation, records the Event once per pod.
 */
public final class KubernetesEvictionCluster implements EvictionAdmission.Cluster {

    private final KubernetesClient client;
    private final FleetEvents events;

    public KubernetesEvictionCluster(KubernetesClient client, String instance) {
        this.client = client;
        this.events = new FleetEvents(client, instance);
    }

    @Override
    public Optional<Pod> pod(String namespace, String name) {
        return Optional.ofNullable(
                client.pods().inNamespace(namespace).withName(name).get());
    }

    @Override
    public Optional<ServerFleet> fleet(String namespace, String name) {
        return Optional.ofNullable(client.resources(ServerFleet.class)
                .inNamespace(namespace)
                .withName(name)
                .get());
    }

    @Override
    public void markEvictionRequested(Pod pod, String value) {
        String patch = "{\"metadata\":{\"annotations\":{\"" + EvictionRequest.ANNOTATION + "\":\"" + value + "\"}}}";
        client.pods()
                .inNamespace(pod.getMetadata().getNamespace())
                .withName(pod.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    }

    @Override
    public void evictionRefused(ServerFleet fleet, Pod pod, String note) {
        // Once per pod: several replicas, or an eviction retried before the mark is seen, record one Event.
        events.normalOnce(
                fleet, "EvictionRefused/" + pod.getMetadata().getUid(), "EvictionRefused", "Evict", pod, note);
    }
}
