package dev.ferry.containers;

import com.github.dockerjava.api.DockerClient;
import dev.ferry.testkit.RespConnection;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * Debian's redis-server in a container on 127.0.0.1:PORT (host networking). The append-only file
 * is fsynced on every write, so a restart of the same container keeps the exported contexts, as a
 * context store with persistence would.
 */
final class RedisContainer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisContainer.class);

    final int port;
    final GenericContainer<?> container;
    final ContainerLog output;

    @SuppressWarnings("resource")
    RedisContainer(String testName, int port) {
        this.port = port;
        this.output = new ContainerLog(testName + "-redis");
        this.container = new GenericContainer<>(DockerImageName.parse(ContainerTier.redisImage()))
                .withNetworkMode("host")
                .withLabel(ContainerTier.LABEL, ContainerTier.LABEL_VALUE)
                .withCommand(
                        "--bind",
                        "127.0.0.1",
                        "--port",
                        Integer.toString(port),
                        "--protected-mode",
                        "yes",
                        "--dir",
                        "/var/lib/redis",
                        "--appendonly",
                        "yes",
                        "--appendfsync",
                        "always",
                        "--save",
                        "")
                .withLogConsumer(output)
                .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*\\n", 1))
                .withStartupTimeout(Duration.ofSeconds(60));
    }

    RedisContainer start() {
        long t0 = System.nanoTime();
        Containers.track(container);
        container.start();
        log.info("redis: container start-to-ready {} ms on 127.0.0.1:{}", (System.nanoTime() - t0) / 1_000_000, port);
        return this;
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Stops the container (SIGTERM) and starts the same one again: the store is gone for a while, then back. */
    Duration restart() {
        long t0 = System.nanoTime();
        DockerClient docker = DockerClientFactory.instance().client();
        docker.stopContainerCmd(container.getContainerId()).withTimeout(10).exec();
        log.info("redis: stopped after {} ms", (System.nanoTime() - t0) / 1_000_000);
        docker.startContainerCmd(container.getContainerId()).exec();
        Awaitility.await("redis back")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .until(this::answersPing);
        Duration down = Duration.ofNanos(System.nanoTime() - t0);
        log.info("redis: restarted, answering again after {} ms", down.toMillis());
        return down;
    }

    boolean answersPing() {
        try (RespConnection c = RespConnection.open("127.0.0.1", port, Duration.ofMillis(500))) {
            return "PONG".equals(String.valueOf(c.command("PING")));
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        Containers.stop(container);
    }
}
