package dev.ferry.server;

import dev.ferry.store.InMemoryContextStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A source and a target server sharing an in-memory store, for frame-level migration tests. */
abstract class TwoServerWireTest {
    protected InMemoryContextStore store;
    protected FerryServer source;
    protected FerryServer target;

    @BeforeEach
    void startServers() {
        store = new InMemoryContextStore();
        source = server("source", MigrationTimers.ofSeconds(30, 60));
        target = server("target", MigrationTimers.ofSeconds(30, 60));
    }

    protected FerryServer server(String name, MigrationTimers timers) {
        return FerryServer.start(ServerOptions.builder()
                .serverName(name)
                .timers(timers)
                .contextStore(store)
                .handler(new CountingHandler())
                .build());
    }

    @AfterEach
    void stopServers() {
        source.close();
        target.close();
        store.close();
    }
}
