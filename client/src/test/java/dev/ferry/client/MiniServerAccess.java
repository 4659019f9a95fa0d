package dev.ferry.client;

import dev.ferry.protocol.SessionId;
import java.util.Map;

/** Lets tests in other packages drive a {@link MiniServer}. */
public final class MiniServerAccess implements AutoCloseable {
    private final MiniServer server;

    private MiniServerAccess(MiniServer server) {
        this.server = server;
    }

    public static MiniServerAccess start(String name, Map<SessionId, Map<String, String>> store) {
        return new MiniServerAccess(new MiniServer(name, store));
    }

    public String address() {
        return server.address();
    }

    public int sessions() {
        return server.sessions();
    }

    public void migrateAll(String target, long deadlineMillis) {
        server.migrateAll(target, deadlineMillis);
    }

    @Override
    public void close() {
        server.close();
    }
}
