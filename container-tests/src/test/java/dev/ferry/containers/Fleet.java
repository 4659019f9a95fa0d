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

/**
 * A Redis container and reference server containers from the image, each on its own loopback
 * port, plus the clients a test opens. Closing it closes the clients and stops every container.
 */
final class Fleet implements AutoCloseable {
    final RedisContainer redis;
    final List<ServerContainer> servers = new ArrayList<>();
    private final List<FerryClient> clients = new ArrayList<>();

    /**
     * @param names servers to start, in order; {@code peers} gives each one's FERRY_PEERS (by name)
     */
    Fleet(String testName, List<String> names, Map<String, List<String>> peers) {
        Set<Integer> taken = new HashSet<>();
        int redisPort = freePort(taken);
        Map<String, int[]> ports = new HashMap<>();
        for (String n : names) ports.put(n, new int[] {freePort(taken), freePort(taken)});
        RedisContainer r = new RedisContainer(testName, redisPort);
        this.redis = r;
        try {
            r.start();
            for (String n : names) {
                String peerList = peers.getOrDefault(n, List.of()).stream()
                        .map(p -> "127.0.0.1:" + ports.get(p)[0]).collect(Collectors.joining(","));
                ServerContainer s = new ServerContainer(testName, n, ports.get(n)[0], ports.get(n)[1], Map.of(
                        "FERRY_STORE_URI", r.uri(),
                        "FERRY_PEERS", peerList,
                        "FERRY_IDLE_MIGRATION_TIMER", "30",
                        "FERRY_SESSION_IDLE_TIMER", "120"));
                servers.add(s);
                s.start();
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private static int freePort(Set<Integer> taken) {
        for (;;) {
            int p = FreePorts.next();
            if (taken.add(p)) return p;
        }
    }

    ServerContainer server(String name) {
        return servers.stream().filter(s -> s.name.equals(name)).findFirst().orElseThrow();
    }

    FerryClient client(String serverName) {
        FerryClient c = FerryClient.create(ClientOptions.builder().serviceAddress(server(serverName).address()).build());
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
