package dev.ferry.containers;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.testkit.FreePorts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Redis container and reference server containers from the image, each on its own loopback
 * port, plus the clients a test opens. Closing it closes the clients and stops every container.
 */
final class Fleet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Fleet.class);
    /** Fresh ports per attempt: a free port can be taken by another process before a container binds it. */
    private static final int PORT_ATTEMPTS = 3;

    private static final String PORT_TAKEN = "Address already in use";

    RedisContainer redis;
    /** The test's name: its containers' log files are named after it. */
    final String testName;

    final List<ServerContainer> servers = new ArrayList<>();
    private final List<FerryClient> clients = new ArrayList<>();

    /**
     * @param names servers to start, in order; {@code peers} gives each one's FERRY_PEERS (by name)
     */
    Fleet(String testName, List<String> names, Map<String, List<String>> peers) {
        this.testName = testName;
        for (int attempt = 1; ; attempt++) {
            try {
                start(testName, names, peers);
                return;
            } catch (RuntimeException | Error e) {
                String clash = portClash();
                close();
                if (clash == null || attempt == PORT_ATTEMPTS) throw e;
                // Every container again on new ports: the servers' FERRY_PEERS name each other's ports.
                log.warn(
                        "{}: {} could not bind its port (taken since it was picked); starting the fleet again on new ports",
                        testName,
                        clash);
                servers.clear();
                redis = null;
            }
        }
    }

    private void start(String testName, List<String> names, Map<String, List<String>> peers) {
        Set<Integer> taken = new HashSet<>();
        int redisPort = freePort(taken);
        Map<String, int[]> ports = new HashMap<>();
        for (String n : names) ports.put(n, new int[] {freePort(taken), freePort(taken)});
        redis = new RedisContainer(testName, redisPort);
        redis.start();
        for (String n : names) {
            String peerList = peers.getOrDefault(n, List.of()).stream()
                    .map(p -> "127.0.0.1:" + ports.get(p)[0])
                    .collect(Collectors.joining(","));
            ServerContainer s = new ServerContainer(
                    testName,
                    n,
                    ports.get(n)[0],
                    ports.get(n)[1],
                    Map.of(
                            "FERRY_STORE_URI",
                            redis.uri(),
                            "FERRY_PEERS",
                            peerList,
                            "FERRY_IDLE_MIGRATION_TIMER",
                            "30",
                            "FERRY_SESSION_IDLE_TIMER",
                            "120"));
            servers.add(s);
            s.start();
        }
    }

    /** The container that failed because its port was taken, or null if none did. */
    private String portClash() {
        if (redis != null && redis.output.text().contains(PORT_TAKEN)) return "redis (port " + redis.port + ")";
        for (ServerContainer s : servers) {
            if (s.output.text().contains(PORT_TAKEN)) return s.name + " (ports " + s.port + ", " + s.adminPort + ")";
        }
        return null;
    }

    private static int freePort(Set<Integer> taken) {
        for (; ; ) {
            int p = FreePorts.next();
            if (taken.add(p)) return p;
        }
    }

    ServerContainer server(String name) {
        return servers.stream().filter(s -> s.name.equals(name)).findFirst().orElseThrow();
    }

    FerryClient client(String serverName) {
        FerryClient c = FerryClient.create(ClientOptions.builder()
                .serviceAddress(server(serverName).address())
                .build());
        clients.add(c);
        return c;
    }

    @Override
    public void close() {
        clients.forEach(FerryClient::close);
        servers.forEach(ServerContainer::close);
        if (redis != null) redis.close();
    }
}
