package dev.ferry.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Redis Cluster of {@code N} masters (no replicas), each its own {@link RedisServer} on
 * 127.0.0.1, created with {@code redis-cli --cluster create}. {@link #start()} returns once every
 * node reports {@code cluster_state:ok}.
 *
 * <pre>{@code
 * try (RedisCluster cluster = RedisCluster.start(3)) {
 *     String seeds = cluster.uri();   // redis-cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3
 * }
 * }</pre>
 *
 * <p>{@code redis-cli} comes from the PATH or the {@code REDIS_CLI} environment variable.
 */
public final class RedisCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisCluster.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final List<RedisServer> nodes;

    private RedisCluster(List<RedisServer> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** Starts {@code masters} (at least 3, as redis-cli requires) nodes and forms the cluster. */
    public static RedisCluster start(int masters) {
        if (masters < 3) throw new IllegalArgumentException("a Redis Cluster needs at least 3 masters, got " + masters);
        List<RedisServer> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < masters; i++) {
                // clusterNode(): the bus port is picked with the port, and again with it after a clash.
                nodes.add(RedisServer.builder()
                        .clusterNode()
                        .args("--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000")
                        .start());
            }
            RedisCluster cluster = new RedisCluster(nodes);
            cluster.create();
            cluster.awaitStateOk();
            log.info("Redis Cluster ready: {}", cluster.uri());
            return cluster;
        } catch (RuntimeException e) {
            nodes.forEach(RedisServer::close);
            throw e;
        }
    }

    private void create() {
        List<String> command = new ArrayList<>(List.of(redisCli(), "--cluster", "create"));
        nodes.forEach(node -> command.add(node.host() + ":" + node.port()));
        command.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        try {
            Process cli = new ProcessBuilder(command).redirectErrorStream(true).start();
            // Read the output before waiting, so a full pipe cannot block redis-cli.
            String output = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!cli.waitFor(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                cli.destroyForcibly();
                throw new IllegalStateException("redis-cli --cluster create did not finish:\n" + output);
            }
            if (cli.exitValue() != 0) {
                throw new IllegalStateException(
                        "redis-cli --cluster create failed (exit " + cli.exitValue() + "):\n" + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot run '" + redisCli() + "' (install redis-tools or set REDIS_CLI)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the cluster", e);
        }
    }

    /** Polls CLUSTER INFO on every node until all say {@code cluster_state:ok}, within a deadline. */
    private void awaitStateOk() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String last = "";
        while (System.nanoTime() - deadline < 0) {
            boolean allOk = true;
            for (RedisServer node : nodes) {
                last = String.valueOf(node.command("CLUSTER", "INFO"));
                if (!last.contains("cluster_state:ok")) {
                    allOk = false;
                    break;
                }
            }
            if (allOk) return;
            try {
                Thread.sleep(20); // back-off between polls, bounded by the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the cluster", e);
            }
        }
        throw new IllegalStateException("cluster not ok within " + READY_TIMEOUT + "; last CLUSTER INFO:\n" + last);
    }

    public List<RedisServer> nodes() {
        return nodes;
    }

    /** {@code host:port} of every node. */
    public List<String> addresses() {
        return nodes.stream().map(n -> n.host() + ":" + n.port()).toList();
    }

    /** Ferry's context-store URI for this cluster: {@code redis-cluster://host:port,host:port,...}. */
    public String uri() {
        return "redis-cluster://" + String.join(",", addresses());
    }

    /** Stops every node and deletes their directories. */
    @Override
    public void close() {
        nodes.forEach(RedisServer::close);
    }

    private static String redisCli() {
        String fromEnv = System.getenv("REDIS_CLI");
        return fromEnv != null && !fromEnv.isBlank() ? fromEnv : "redis-cli";
    }

    @Override
    public String toString() {
        return nodes.stream()
                .map(n -> Integer.toString(n.port()))
                .collect(Collectors.joining(",", "RedisCluster[", "]"));
    }
}
