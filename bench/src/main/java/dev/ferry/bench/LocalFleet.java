package dev.ferry.bench;

import dev.ferry.reference.ReferenceHandler;
import dev.ferry.server.FerryServer;
import dev.ferry.server.MigrationTimers;
import dev.ferry.server.ServerOptions;
import dev.ferry.store.ContextStore;
import dev.ferry.store.ContextStores;
import dev.ferry.testkit.RedisServer;
import java.util.ArrayList;
import java.util.List;

/**
 * A fleet on this machine: one real redis-server and reference servers on loopback ports, each
 * with its own store connection as separate pods would have. Used by the demo and benchmarks.
 */
public final class LocalFleet implements AutoCloseable {
    private final RedisServer redis;
    private final List<FerryServer> servers = new ArrayList<>();
    private final List<ContextStore> stores = new ArrayList<>();

    public LocalFleet(int size, MigrationTimers timers, int ioThreadsPerServer) {
        this.redis = RedisServer.startDefault();
        try {
            for (int i = 0; i < size; i++) add("pod-" + i, timers, ioThreadsPerServer);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public FerryServer add(String name, MigrationTimers timers, int ioThreads) {
        ContextStore store = ContextStores.open(redis.uri());
        stores.add(store);
        FerryServer server = FerryServer.start(ServerOptions.builder()
                .serverName(name)
                .timers(timers)
                .ioThreads(ioThreads)
                .contextStore(store)
                .handler(new ReferenceHandler(name))
                .build());
        servers.add(server);
        return server;
    }

    public RedisServer redis() {
        return redis;
    }

    public List<FerryServer> servers() {
        return List.copyOf(servers);
    }

    public FerryServer server(int i) {
        return servers.get(i);
    }

    public String address(int i) {
        return servers.get(i).advertisedAddress();
    }

    public List<String> addressesExcept(int i) {
        List<String> a = new ArrayList<>();
        for (int j = 0; j < servers.size(); j++) if (j != i) a.add(address(j));
        return a;
    }

    @Override
    public void close() {
        servers.forEach(FerryServer::close);
        stores.forEach(ContextStore::close);
        redis.close();
    }
}
