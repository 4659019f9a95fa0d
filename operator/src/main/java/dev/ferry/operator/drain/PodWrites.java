package dev.ferry.operator.drain;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import java.util.Objects;

/**
 * The writes the drain and rebalance steps make to fleet pods, each followed by telling the pod cache
 * (the informer may show the old pod for a while; the next reconciliation must not act on it).
 */
public final class PodWrites {

    /** Tells the pod cache about a pod just written or deleted. */
    public interface CacheUpdates {
        void updated(Pod updated, Pod previous);

        void deleted(Pod pod);
    }

    private final KubernetesClient client;
    private final CacheUpdates cache;

    public PodWrites(KubernetesClient client, CacheUpdates cache) {
        this.client = client;
        this.cache = cache;
    }

    /**
     * JSON merge patch of the pod's labels and annotations (a null value removes the key).
     *
     * @return the patched pod, or null when the pod is gone
     */
    public Pod patchMetadata(Pod pod, Map<String, String> labels, Map<String, String> annotations) {
        ObjectNode patch = Serialization.jsonMapper().createObjectNode();
        ObjectNode meta = patch.putObject("metadata");
        if (!labels.isEmpty()) {
            ObjectNode l = meta.putObject("labels");
            labels.forEach(l::put);
        }
        if (!annotations.isEmpty()) {
            ObjectNode a = meta.putObject("annotations");
            annotations.forEach(a::put);
        }
        try {
            Pod patched = client.pods()
                    .inNamespace(pod.getMetadata().getNamespace())
                    .withName(pod.getMetadata().getName())
                    .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
            cache.updated(patched, pod);
            return patched;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return null;
            }
            throw e;
        }
    }

    /** Deletes the pod (gone already is fine). */
    public void delete(Pod pod) {
        try {
            client.pods()
                    .inNamespace(pod.getMetadata().getNamespace())
                    .withName(pod.getMetadata().getName())
                    .delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
        cache.deleted(pod);
    }

    /**
     * Reads the pod from the API server, not the cache: whether this very pod is still there and not
     * being deleted. A previous operator, or this one's previous reconciliation seen through a stale
     * cache, may already have finished the drain, and its Events must be told once.
     */
    public boolean stillThere(Pod pod) {
        Pod fresh = client.pods()
                .inNamespace(pod.getMetadata().getNamespace())
                .withName(pod.getMetadata().getName())
                .get();
        return fresh != null
                && fresh.getMetadata().getDeletionTimestamp() == null
                && Objects.equals(
                        fresh.getMetadata().getUid(), pod.getMetadata().getUid());
    }
}
