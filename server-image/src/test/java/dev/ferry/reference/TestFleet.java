package dev.ferry.reference;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.server.FerryServer;
import dev.ferry.server.MigrationTimers;
import dev.ferry.server.ServerOptions;
import dev.ferry.store.ContextStore;
import dev.ferry.store.ContextStoreOptions;
import dev.ferry.store.ContextStores;
import dev.ferry.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reference servers on loopback sharing one real redis-server, each with its own store
 * connection as separate pods would have, plus the clients a test opens. Closes all of it.
 */
final class TestFleet implements AutoCloseable {
    final List<FerryServer> servers = new ArrayList<>();
    private final List<ContextStore> stores = new ArrayList<>();
    private final List<FerryClient> clients = new ArrayList<>();

    TestFleet(RedisServer redis, int size, MigrationTimers timers) {
        for (int i = 0; i < size; i++) {
            ContextStore store = ContextStores.open(
                    redis.uri(),
                    ContextStoreOptions.builder()
                            .commandTimeout(Duration.ofMillis(500))
                            .connectTimeout(Duration.ofMillis(500))
                            .build());
            stores.add(store);
            String name = "pod-" + i;
            servers.add(FerryServer.start(ServerOptions.builder()
                    .serverName(name)
                    .timers(timers)
                    .storeTimeout(Duration.ofSeconds(2))
                    .contextStore(store)
                    .handler(new ReferenceHandler(name))
                    .ioThreads(1)
                    .build()));
        }
    }

    FerryServer server(int i) {
        return servers.get(i);
    }

    String address(int i) {
        return servers.get(i).advertisedAddress();
    }

    FerryClient client(int server, boolean readAhead) {
        FerryClient c = FerryClient.create(ClientOptions.builder()
                .serviceAddress(address(server))
                .readAhead(readAhead)
                .build());
        clients.add(c);
        return c;
    }

    @Override
    public void close() {
        clients.forEach(FerryClient::close);
        servers.forEach(FerryServer::close);
        stores.forEach(ContextStore::close);
    }
}
