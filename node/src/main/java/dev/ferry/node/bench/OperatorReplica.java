package dev.ferry.node.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.node.NodeCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * One replica of the operator Deployment that {@code kubectl apply -k deploy/} installs in ferry-system: its
 * Prometheus endpoint ({@code /q/metrics} on the pod's port 8080, reachable from the cluster's network namespace)
 * and its container's cgroup figures as the kubelet reads them.
 *
 * <p>The container's CPU and memory come from the kubelet's Summary API ({@code /api/v1/nodes/NODE/proxy/stats/summary}),
 * which reads the container's own cgroup under the node's cgroup root ({@code /ferry-node-K/kubepods/<qos>/pod<uid>/<container id>},
 * see {@link #cgroupPath()}): the benchmark runs inside {@code ip netns exec}, whose fresh sysfs has no cgroup
 * mounts, so it cannot read those files itself. The kubelet refreshes them every 10 to 15 s (cAdvisor's
 * housekeeping), so each figure carries the time it was read and CPU rates use those times.
 */
record OperatorReplica(String pod, String node, String podIp, String uid, String qosClass, String containerId) {

    private static final String CONTAINER = "operator";
    private static final String SELECTOR = "app.kubernetes.io/name";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The container's cgroup figures at {@code cpuAt} and {@code memoryAt} (the kubelet's read times). */
    record CgroupStats(
            Instant cpuAt, double cpuCoreSeconds, Instant memoryAt, double workingSetBytes, double rssBytes) {}

    /** The operator's running pods, by name. */
    static List<OperatorReplica> list(NodeCluster cluster) {
        return cluster
                .client()
                .pods()
                .inNamespace(NodeCluster.FERRY_NAMESPACE)
                .withLabel(SELECTOR, NodeCluster.OPERATOR)
                .list()
                .getItems()
                .stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null
                        && "Running".equals(p.getStatus().getPhase()))
                .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                .map(OperatorReplica::of)
                .toList();
    }

    private static OperatorReplica of(Pod p) {
        String id = p.getStatus().getContainerStatuses().stream()
                .filter(c -> CONTAINER.equals(c.getName()))
                .findFirst()
                .map(c -> c.getContainerID())
                .orElse("");
        return new OperatorReplica(
                p.getMetadata().getName(),
                p.getSpec().getNodeName(),
                p.getStatus().getPodIP(),
                p.getMetadata().getUid(),
                p.getStatus().getQosClass(),
                id.replaceFirst("^[a-z]+://", ""));
    }

    /** The holder of the operator's leader-election Lease (the replica that reconciles), or null. */
    static String leader(NodeCluster cluster) {
        Lease lease = cluster.client()
                .leases()
                .inNamespace(NodeCluster.FERRY_NAMESPACE)
                .withName(NodeCluster.OPERATOR)
                .get();
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }

    /** The container's cgroup as the kubelet (cgroupfs driver, cgroup v1) lays it out under the node's cgroup root. */
    String cgroupPath() {
        String root =
                "/" + node; // scripts/node.sh gives node K the kubelet cgroupRoot /ferry-node-K, named like the node
        return root + "/kubepods/"
                + (qosClass.equals("Guaranteed") ? "" : qosClass.toLowerCase(java.util.Locale.ROOT) + "/") + "pod" + uid
                + "/" + containerId;
    }

    /** A scrape of the replica's {@code /q/metrics}. */
    PrometheusText metrics() {
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://" + podIp + ":8080/q/metrics"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new IllegalStateException(pod + " /q/metrics answered " + r.statusCode());
            return PrometheusText.parse(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot scrape " + pod + " at " + podIp + ":8080", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The container's CPU and memory from its node's kubelet (Summary API). */
    CgroupStats cgroupStats(NodeCluster cluster) {
        String summary = cluster.client().raw("/api/v1/nodes/" + node + "/proxy/stats/summary");
        try {
            for (JsonNode p : JSON.readTree(summary).path("pods")) {
                if (!pod.equals(p.path("podRef").path("name").asText())) continue;
                for (JsonNode c : p.path("containers")) {
                    if (!CONTAINER.equals(c.path("name").asText())) continue;
                    JsonNode cpu = c.path("cpu");
                    JsonNode memory = c.path("memory");
                    return new CgroupStats(
                            Instant.parse(cpu.path("time").asText()),
                            cpu.path("usageCoreNanoSeconds").asDouble() / 1e9,
                            Instant.parse(memory.path("time").asText()),
                            memory.path("workingSetBytes").asDouble(),
                            memory.path("rssBytes").asDouble());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the kubelet's stats summary of " + node + " is not JSON", e);
        }
        throw new IllegalStateException("no stats for " + pod + "/" + CONTAINER + " in the kubelet summary of " + node);
    }
}
