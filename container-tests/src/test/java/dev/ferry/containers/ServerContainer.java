package dev.ferry.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * One reference server container from the image under test: host networking, listening only on
 * 127.0.0.1 with its own client and admin ports, its output in target/container-logs/.
 */
final class ServerContainer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServerContainer.class);
    static final String TOKEN = "container-test-token";
    private static final ObjectMapper json = new ObjectMapper();
    private static final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    final int port;
    final int adminPort;
    final GenericContainer<?> container;
    final ContainerLog output;
    /** From the start request to /healthz/ready answering 200. */
    Duration startToReady;
    /** From the start request to the "FERRY READY" line. */
    Duration startToReadyLine;

    @SuppressWarnings("resource")
    ServerContainer(String testName, String name, int port, int adminPort, Map<String, String> env) {
        this.name = name;
        this.port = port;
        this.adminPort = adminPort;
        this.output = new ContainerLog(testName + "-" + name);
        this.container = new GenericContainer<>(DockerImageName.parse(ContainerTier.serverImage()))
                .withNetworkMode("host")
                .withLabel(ContainerTier.LABEL, ContainerTier.LABEL_VALUE)
                .withEnv("FERRY_SERVER_NAME", name)
                .withEnv("FERRY_BIND", "127.0.0.1")
                .withEnv("FERRY_PORT", Integer.toString(port))
                .withEnv("FERRY_ADMIN_PORT", Integer.toString(adminPort))
                .withEnv("FERRY_ADMIN_TOKEN", TOKEN)
                .withEnv(env)
                .withLogConsumer(output)
                .waitingFor(Wait.forLogMessage(".*FERRY READY name=" + name + " .*\\n", 1))
                .withStartupTimeout(Duration.ofSeconds(90));
    }

    ServerContainer start() {
        long t0 = System.nanoTime();
        Containers.track(container);
        container.start();
        startToReadyLine = Duration.ofNanos(System.nanoTime() - t0);
        Awaitility.await(name + " ready")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> status("/healthz/ready") == 200);
        startToReady = Duration.ofNanos(System.nanoTime() - t0);
        log.info(
                "{}: container start-to-ready {} ms (FERRY READY line after {} ms), client 127.0.0.1:{}, admin 127.0.0.1:{}",
                name,
                startToReady.toMillis(),
                startToReadyLine.toMillis(),
                port,
                adminPort);
        return this;
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    String containerId() {
        return container.getContainerId();
    }

    String logText() {
        return output.text();
    }

    // --- admin API --------------------------------------------------------------------------------

    int status(String path) {
        try {
            return http.send(request(path, false).GET().build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    JsonNode get(String path) {
        return call(request(path, true).GET().build());
    }

    JsonNode post(String path, Object body) {
        try {
            return call(request(path, true)
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                    .header("Content-Type", "application/json")
                    .build());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpRequest.Builder request(String path, boolean auth) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .timeout(Duration.ofSeconds(5));
        if (auth) b.header("Authorization", "Bearer " + TOKEN);
        return b;
    }

    private JsonNode call(HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException(name + ": " + request.method() + " " + request.uri() + " -> "
                        + r.statusCode() + " " + r.body());
            }
            return r.body().isBlank() ? json.nullNode() : json.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(name + ": " + request.method() + " " + request.uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sessions this server holds now, as its admin API counts them. */
    long sessionCount() {
        return get("/v1/sessions").path("total").asLong();
    }

    void migrate(List<String> sessionIds, List<String> targets) {
        post("/v1/migrate", Map.of("sessions", sessionIds, "targets", targets));
    }

    void drain(List<String> targets, int ratePerSecond) {
        post("/v1/drain", Map.of("targets", targets, "ratePerSecond", ratePerSecond));
    }

    // --- the container's end ------------------------------------------------------------------------

    /** What Kubernetes does on pod deletion: SIGTERM, then wait up to {@code grace}; @return the exit code. */
    long sigterm(Duration grace) {
        DockerClient docker = DockerClientFactory.instance().client();
        docker.stopContainerCmd(containerId())
                .withTimeout((int) grace.toSeconds())
                .exec();
        InspectContainerResponse.ContainerState state =
                docker.inspectContainerCmd(containerId()).exec().getState();
        log.info("{}: stopped with SIGTERM, exit code {}", name, state.getExitCodeLong());
        return state.getExitCodeLong();
    }

    /** SIGKILL: the pod's node dies, or the OOM killer strikes. */
    void killHard() {
        DockerClientFactory.instance()
                .client()
                .killContainerCmd(containerId())
                .withSignal("KILL")
                .exec();
        log.info("{}: killed with SIGKILL", name);
    }

    @Override
    public void close() {
        Containers.stop(container);
    }
}
