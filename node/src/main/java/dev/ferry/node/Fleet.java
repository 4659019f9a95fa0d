package dev.ferry.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** One ServerFleet on the node cluster, driven with kubectl and read through the API, as its user would. */
public final class Fleet {

    public static final String API_VERSION = "ferry.dev/v1alpha1";
    public static final String KIND = "ServerFleet";
    /** The reference server's client port (the fleet's {@code clientPort} default). */
    public static final int CLIENT_PORT = 7000;

    private final NodeCluster cluster;
    private final String namespace;
    private final String name;

    public Fleet(NodeCluster cluster, String namespace, String name) {
        this.cluster = cluster;
        this.namespace = namespace;
        this.name = name;
    }

    /** Applies a ServerFleet manifest (YAML) in {@code namespace} with kubectl and returns the fleet it names. */
    public static Fleet apply(NodeCluster cluster, String namespace, String manifest) {
        cluster.kubectl().runWithInput(manifest, "apply", "--server-side", "-n", namespace, "-f", "-");
        GenericKubernetesResource r =
                cluster.client().getKubernetesSerialization().unmarshal(manifest, GenericKubernetesResource.class);
        return new Fleet(cluster, namespace, r.getMetadata().getName());
    }

    public String namespace() {
        return namespace;
    }

    public String name() {
        return name;
    }

    private Resource<GenericKubernetesResource> resource() {
        return cluster.client()
                .genericKubernetesResources(API_VERSION, KIND)
                .inNamespace(namespace)
                .withName(name);
    }

    public GenericKubernetesResource get() {
        GenericKubernetesResource r = resource().get();
        if (r == null) throw new IllegalStateException("ServerFleet " + namespace + "/" + name + " does not exist");
        return r;
    }

    public long generation() {
        return get().getMetadata().getGeneration();
    }

    /** The status as the operator last wrote it (empty before its first reconcile). */
    public FleetStatus status() {
        Object status = get().getAdditionalProperties().get("status");
        if (status == null)
            return new FleetStatus(null, null, null, null, null, null, null, null, null, null, null, null);
        return cluster.client().getKubernetesSerialization().convertValue(status, FleetStatus.class);
    }

    /** spec.replicas and the status from one read of the fleet, so the two belong together. */
    public record State(int specReplicas, FleetStatus status) {}

    /** One read of the fleet: spec.replicas and the status as the operator last wrote it. */
    public State state() {
        GenericKubernetesResource r = get();
        Object spec = r.getAdditionalProperties().get("spec");
        int replicas = ((Number) ((java.util.Map<?, ?>) spec).get("replicas")).intValue();
        Object status = r.getAdditionalProperties().get("status");
        FleetStatus s = status == null
                ? new FleetStatus(null, null, null, null, null, null, null, null, null, null, null, null)
                : cluster.client().getKubernetesSerialization().convertValue(status, FleetStatus.class);
        return new State(replicas, s);
    }

    /** Waits until the fleet has settled at {@code replicas} pods of its current spec, and returns that status. */
    public FleetStatus awaitSettled(int replicas, Duration timeout) {
        long generation = generation();
        FleetStatus[] last = new FleetStatus[1];
        try {
            NodeCluster.await(
                    "ServerFleet " + namespace + "/" + name + " settled at " + replicas + " pods", timeout, () -> {
                        last[0] = status();
                        return last[0].settled(generation, replicas);
                    });
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "; last status: " + last[0], e);
        }
        return last[0];
    }

    /** {@code kubectl scale serverfleet/NAME --replicas=N}: through the scale subresource, as an HPA does. */
    public void scale(int replicas) {
        cluster.kubectl().run("scale", "-n", namespace, "serverfleet/" + name, "--replicas=" + replicas);
    }

    /** spec.replicas as the API server holds it now (an autoscaler may have changed it). */
    public int specReplicas() {
        Object spec = get().getAdditionalProperties().get("spec");
        return ((Number) ((java.util.Map<?, ?>) spec).get("replicas")).intValue();
    }

    /** {@code kubectl patch --type=merge -p PATCH} of the fleet. */
    public void patch(String mergePatch) {
        cluster.kubectl().run("patch", "-n", namespace, "serverfleet/" + name, "--type=merge", "-p", mergePatch);
    }

    /** Changes the server container's image ({@code kubectl patch} of the template): a rolling upgrade. */
    public void setImage(String image) {
        cluster.kubectl()
                .run(
                        "patch",
                        "-n",
                        namespace,
                        "serverfleet/" + name,
                        "--type=json",
                        "-p",
                        "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\"" + image
                                + "\"}]");
    }

    /**
     * The state of the pod's drain as the operator records it (the {@code state} of its {@code ferry.dev/drain}
     * annotation: Requested, Draining or Drained); empty when the pod is not draining.
     */
    public static Optional<String> drainState(Pod pod) {
        String record = pod.getMetadata().getAnnotations() == null
                ? null
                : pod.getMetadata().getAnnotations().get("ferry.dev/drain");
        if (record == null) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(
                    Serialization.jsonMapper().readTree(record).path("state").asText(null));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "pod " + pod.getMetadata().getName() + " has an unreadable drain record: " + record, e);
        }
    }

    /** The fleet's pods (the operator's labels), by name. */
    public List<Pod> pods() {
        return cluster
                .client()
                .pods()
                .inNamespace(namespace)
                .withLabel("ferry.dev/fleet", name)
                .list()
                .getItems()
                .stream()
                .sorted(java.util.Comparator.comparing(p -> p.getMetadata().getName()))
                .toList();
    }

    /**
     * Waits until kube-proxy, on the node whose network this process is in, sends the client Service's new
     * connections to exactly the fleet's {@code pods} serving pods. A fleet can be settled before that: the
     * EndpointSlice and then the node's iptables rules follow the pods' readiness a moment later, and clients
     * connecting meanwhile would all land on the first pod.
     */
    public void awaitServiceRoutes(int pods, Duration timeout) {
        String comment = "--comment \"" + namespace + "/" + name + ":client -> ";
        NodeCluster.await(
                "kube-proxy routing Service " + namespace + "/" + name + " to " + pods + " pods", timeout, () -> {
                    long routes = NodeCluster.run(Duration.ofSeconds(30), "iptables-save", "-t", "nat")
                            .lines()
                            .filter(l ->
                                    l.startsWith("-A KUBE-SVC-") && l.contains(comment) && l.contains("-j KUBE-SEP-"))
                            .count();
                    return routes == pods;
                });
    }

    /** {@code clusterIP:port} of the fleet's client Service: what a client in the cluster's network connects to. */
    public String serviceAddress() {
        Service s = clientService();
        return s.getSpec().getClusterIP() + ":" + s.getSpec().getPorts().get(0).getPort();
    }

    /** The Service's cluster DNS name and port ({@code NAME.NAMESPACE.svc:PORT}), resolved through CoreDNS. */
    public String serviceDnsAddress() {
        return name + "." + namespace + ".svc:"
                + clientService().getSpec().getPorts().get(0).getPort();
    }

    /** {@code podIP:port} of a fleet pod's client port: what a client dials to reach that one pod. */
    public static String podAddress(Pod pod) {
        return pod.getStatus().getPodIP() + ":" + CLIENT_PORT;
    }

    /** When an Event happened: its eventTime, else the first timestamp of the older API, else its creation. */
    public static java.time.Instant eventTime(io.fabric8.kubernetes.api.model.events.v1.Event e) {
        if (e.getEventTime() != null && e.getEventTime().getTime() != null) {
            return java.time.Instant.parse(e.getEventTime().getTime());
        }
        if (e.getDeprecatedFirstTimestamp() != null) return java.time.Instant.parse(e.getDeprecatedFirstTimestamp());
        return java.time.Instant.parse(e.getMetadata().getCreationTimestamp());
    }

    /** The fleet's Kubernetes Events ({@code events.k8s.io/v1}) with this reason, oldest first. */
    public List<io.fabric8.kubernetes.api.model.events.v1.Event> events(String reason) {
        return events(KIND, name, reason);
    }

    /**
     * Events of the fleet's namespace about one object ({@code kind}/{@code objectName}) with this reason,
     * oldest first: by {@link #eventTime} (microseconds), not the creation timestamp, whose whole seconds leave
     * two changes within one second in the API server's order.
     */
    public List<io.fabric8.kubernetes.api.model.events.v1.Event> events(String kind, String objectName, String reason) {
        return cluster.client().events().v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> e.getRegarding() != null
                        && objectName.equals(e.getRegarding().getName())
                        && kind.equals(e.getRegarding().getKind())
                        && reason.equals(e.getReason()))
                .sorted(java.util.Comparator.comparing(Fleet::eventTime))
                .toList();
    }

    private Service clientService() {
        Service s = cluster.client()
                .services()
                .inNamespace(namespace)
                .withName(name)
                .get();
        if (s == null)
            throw new IllegalStateException("the client Service " + namespace + "/" + name + " does not exist yet");
        return s;
    }
}
