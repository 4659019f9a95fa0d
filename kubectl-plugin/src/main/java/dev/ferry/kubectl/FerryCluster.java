package dev.ferry.kubectl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.admin.api.AdminJson;
import dev.ferry.admin.api.AdminPaths;
import dev.ferry.admin.api.ErrorResponse;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the plugin asks of the cluster, only through the API server and with the user's kubeconfig: the
 * ServerFleet, its pods, its admin-token Secret, pods' admin APIs through the pod proxy
 * ({@code /api/v1/namespaces/NS/pods/[https:]NAME:PORT/proxy/PATH}) and Evictions. The API server removes the
 * caller's Authorization header before it proxies, so the admin token travels in {@code X-Ferry-Admin-Token}.
 */
public final class FerryCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FerryCluster.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);
    static final String TOKEN_HEADER = AdminPaths.TOKEN_HEADER;
    static final String FLEET_LABEL = "ferry.dev/fleet";
    static final String SERVING_LABEL = "ferry.dev/serving";
    static final String REVISION_LABEL = "ferry.dev/revision";

    private static final ResourceDefinitionContext FLEETS = new ResourceDefinitionContext.Builder()
            .withGroup("ferry.dev")
            .withVersion("v1alpha1")
            .withKind("ServerFleet")
            .withPlural("serverfleets")
            .withNamespaced(true)
            .build();

    /** A ServerFleet, the part of its spec the plugin needs. */
    public record Fleet(
            String namespace, String name, int clientPort, int adminPort, boolean tls, boolean advertiseService) {
        /** Where clients of a pod are sent: the pod's IP and client port, or the fleet's Service with advertise Service. */
        String target(Pod pod) {
            return advertiseService
                    ? name + "." + namespace + ".svc:" + clientPort
                    : pod.getStatus().getPodIP() + ":" + clientPort;
        }
    }

    /** An answer of the API server (or, through its proxy, of a pod). */
    public record Answer(int code, String body) {
        boolean ok() {
            return code / 100 == 2;
        }

        /** The message of a Kubernetes Status body, else the body itself, shortened. */
        String message() {
            try {
                JsonNode node = JSON.readTree(body);
                if (node != null && node.hasNonNull("message"))
                    return node.get("message").asText();
                if (node != null && node.hasNonNull("error"))
                    return AdminJson.read(body, ErrorResponse.class).error();
            } catch (Exception e) {
                // not JSON: the body as it is
            }
            String b = body == null ? "" : body.strip();
            return b.length() > 300 ? b.substring(0, 300) + "..." : b;
        }
    }

    private final KubernetesClient client;
    private final String namespace;

    private FerryCluster(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** Connects as kubectl would: --kubeconfig, else KUBECONFIG, else ~/.kube/config; --context; -n. */
    public static FerryCluster connect(CommandLine.Options options) {
        Config config;
        if (options.kubeconfig() != null) {
            Path path = Path.of(options.kubeconfig());
            if (!Files.isReadable(path)) {
                throw new IllegalArgumentException(
                        "cannot read the kubeconfig " + path + ": give a readable file to --kubeconfig");
            }
            try {
                config = Config.fromKubeconfig(options.context(), Files.readString(path), path.toString());
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("cannot read the kubeconfig " + path + ": " + e.getMessage(), e);
            }
        } else {
            config = Config.autoConfigure(options.context());
        }
        // A mutating call (an Eviction, POST /v1/migrate) is sent once: no retry behind the user's back.
        config.setRequestRetryBackoffLimit(0);
        config.setRequestTimeout((int) CALL_TIMEOUT.toMillis());
        String ns = options.namespace() != null
                ? options.namespace()
                : config.getNamespace() != null ? config.getNamespace() : "default";
        return new FerryCluster(new KubernetesClientBuilder().withConfig(config).build(), ns);
    }

    public String namespace() {
        return namespace;
    }

    /** The ServerFleet {@code name}. */
    public Fleet fleet(String name) {
        long start = System.nanoTime();
        GenericKubernetesResource r = client.genericKubernetesResources(FLEETS)
                .inNamespace(namespace)
                .withName(name)
                .get();
        log.debug("get serverfleet {}: {} ms", name, (System.nanoTime() - start) / 1_000_000);
        if (r == null) {
            throw new IllegalStateException("no ServerFleet " + name + " in namespace " + namespace
                    + " (kubectl get serverfleets -n " + namespace + ")");
        }
        JsonNode spec = JSON.valueToTree(r.getAdditionalProperties().getOrDefault("spec", Map.of()));
        String tlsMode = spec.path("tls").path("mode").asText("Disabled");
        return new Fleet(
                namespace,
                name,
                spec.path("clientPort").asInt(7000),
                spec.path("adminPort").asInt(7001),
                !tlsMode.equals("Disabled"),
                spec.path("advertise").asText("Pod").equals("Service"));
    }

    /** The fleet's pods that exist (not being deleted), by name. */
    public List<Pod> pods(String fleet) {
        long start = System.nanoTime();
        List<Pod> pods = client.pods().inNamespace(namespace).withLabel(FLEET_LABEL, fleet).list().getItems().stream()
                .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                .toList();
        log.debug("list pods of {}: {} ms", fleet, (System.nanoTime() - start) / 1_000_000);
        return pods;
    }

    /** Every fleet pod of the namespace. */
    public List<Pod> fleetPods() {
        return client.pods().inNamespace(namespace).withLabel(FLEET_LABEL).list().getItems().stream()
                .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                .toList();
    }

    /** The pod, or null when it does not exist. */
    public Pod pod(String name) {
        return client.pods().inNamespace(namespace).withName(name).get();
    }

    /** The fleet's admin token, from the Secret {@code <fleet>-admin-token} (key {@code token}). */
    public String adminToken(String fleet) {
        String name = fleet + "-admin-token";
        Secret secret;
        try {
            long start = System.nanoTime();
            secret = client.secrets().inNamespace(namespace).withName(name).get();
            log.debug("get secret {}: {} ms", name, (System.nanoTime() - start) / 1_000_000);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403) {
                throw new IllegalStateException(
                        "not allowed to read Secret " + namespace + "/" + name
                                + " (the fleet's admin token): ask for the Role in deploy/kubectl-ferry-role.yaml",
                        e);
            }
            throw e;
        }
        String encoded = secret == null || secret.getData() == null
                ? null
                : secret.getData().get("token");
        if (encoded == null) {
            throw new IllegalStateException("Secret " + namespace + "/" + name
                    + " with key 'token' not found: the operator creates it for the fleet; is the fleet reconciled?");
        }
        return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8).strip();
    }

    /** {@code method PATH} on the pod's admin API through the API server's pod proxy. */
    public Answer admin(Fleet fleet, Pod pod, String method, String path, String jsonBody, String token) {
        String target = (fleet.tls() ? "https:" : "") + pod.getMetadata().getName() + ":" + fleet.adminPort();
        String uri = base() + "api/v1/namespaces/" + enc(namespace) + "/pods/" + enc(target) + "/proxy" + path;
        HttpRequest.Builder request = http().newHttpRequestBuilder()
                .uri(uri)
                .header(TOKEN_HEADER, token)
                .timeout(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (jsonBody != null) request.method(method, "application/json", jsonBody);
        else if (!method.equals("GET")) request.method(method, "application/json", "");
        return send(method + " " + path + " of pod " + pod.getMetadata().getName(), request.build());
    }

    /** POST of a policy/v1 Eviction of {@code pod}, as kubectl drain sends it. */
    public Answer evict(String pod) {
        String body = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"" + pod
                + "\",\"namespace\":\"" + namespace + "\"}}";
        HttpRequest request = http().newHttpRequestBuilder()
                .uri(base() + "api/v1/namespaces/" + enc(namespace) + "/pods/" + enc(pod) + "/eviction")
                .post("application/json", body)
                .timeout(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .build();
        return send("Eviction of pod " + pod, request);
    }

    private Answer send(String what, HttpRequest request) {
        long start = System.nanoTime();
        try {
            HttpResponse<String> r =
                    http().sendAsync(request, String.class).get(CALL_TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
            log.debug("{}: {} in {} ms", what, r.code(), (System.nanoTime() - start) / 1_000_000);
            return new Answer(r.code(), r.body() == null ? "" : r.body());
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " got no answer within " + CALL_TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + what, e);
        }
    }

    static boolean ready(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) return false;
        return pod.getStatus().getConditions().stream()
                .filter(c -> "Ready".equals(c.getType()))
                .map(PodCondition::getStatus)
                .anyMatch("True"::equals);
    }

    static String label(Pod pod, String key) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        return labels == null ? null : labels.get(key);
    }

    private HttpClient http() {
        return client.getHttpClient();
    }

    private String base() {
        String url = client.getMasterUrl().toString();
        return url.endsWith("/") ? url : url + "/";
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%3A", ":");
    }

    @Override
    public void close() {
        client.close();
    }
}
