package dev.ferry.containers;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * Gate of the container tier. It skips the suite only when a person asked for it
 * ({@code -Dferry.containers.skip=REASON} on Maven's command line, or
 * {@code FERRY_CONTAINERS_SKIP=REASON} for scripts/test.sh, which passes it on), and says why;
 * no script sets it on its own, so a green build without this tier is always someone's decision.
 * Otherwise a missing engine or image fails the suite with what to run. Before the first test it
 * removes containers a killed earlier run left behind (Ryuk, which would do that, cannot be pulled
 * here).
 */
public final class ContainerTier implements ExecutionCondition, BeforeAllCallback {
    private static final Logger log = LoggerFactory.getLogger(ContainerTier.class);
    static final String LABEL = "dev.ferry.test";
    static final String LABEL_VALUE = "container-tests";
    private static volatile boolean checked;

    static String serverImage() {
        return System.getProperty("ferry.server.image", "localhost/ferry/server:0.1.0-SNAPSHOT");
    }

    static String redisImage() {
        return System.getProperty("ferry.redis.image", "localhost/ferry/redis:7");
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String reason = System.getProperty("ferry.containers.skip", "").strip();
        if (!reason.isEmpty()) {
            log.warn("CONTAINER TIER SKIPPED on request (-Dferry.containers.skip): {}", reason);
            return ConditionEvaluationResult.disabled(
                    "container tier skipped on request (-Dferry.containers.skip): " + reason);
        }
        return ConditionEvaluationResult.enabled("containers can run here");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (checked) return;
        synchronized (ContainerTier.class) {
            if (checked) return;
            String host = System.getenv().getOrDefault("DOCKER_HOST", "(DOCKER_HOST not set)");
            if (!DockerClientFactory.instance().isDockerAvailable()) {
                throw new IllegalStateException(
                        "no container engine answers at " + host + ": run scripts/containers.sh "
                                + "(installs Podman and starts its API socket), or leave the container tier out on purpose with "
                                + "-Dferry.containers.skip=REASON");
            }
            DockerClient docker = DockerClientFactory.instance().client();
            for (String image : List.of(serverImage(), redisImage())) {
                try {
                    docker.inspectImageCmd(image).exec();
                } catch (NotFoundException e) {
                    throw new IllegalStateException(
                            "image " + image + " is not in the local image store: "
                                    + (image.equals(serverImage())
                                            ? "build it with: mvn -pl server-image package -Pimage -DskipTests"
                                            : "run scripts/containers.sh"),
                            e);
                }
            }
            List<Container> leftovers = docker.listContainersCmd()
                    .withShowAll(true)
                    .withLabelFilter(Map.of(LABEL, LABEL_VALUE))
                    .exec();
            for (Container c : leftovers) {
                log.warn("removing container {} ({}) left behind by an earlier run", c.getNames(), c.getId());
                docker.removeContainerCmd(c.getId())
                        .withForce(true)
                        .withRemoveVolumes(true)
                        .exec();
            }
            log.info(
                    "container engine at {} ({}), images {} and {}",
                    host,
                    DockerClientFactory.instance().getInfo().getServerVersion(),
                    serverImage(),
                    redisImage());
            checked = true;
        }
    }
}
