package dev.ferry.conformance;

import dev.ferry.testkit.RedisServer;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one scenario runs against: a real redis-server (the context store) and reference servers named s0, s1, ...
 * with the scenario's timers, each its own process on ephemeral loopback ports. {@link #close()} stops everything,
 * also after a failed start.
 */
final class Fleet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Fleet.class);
    /** A JVM start on a loaded 2-core machine, several at once. */
    private static final Duration SERVER_START = Duration.ofSeconds(60);

    private final RedisServer redis;
    private final List<ReferenceServerProcess> servers = new ArrayList<>();
    private final String adminToken;

    private Fleet(RedisServer redis, String adminToken) {
        this.redis = redis;
        this.adminToken = adminToken;
    }

    static Fleet start(Scenario.Setup setup, Path logDirectory) {
        byte[] token = new byte[16];
        new SecureRandom().nextBytes(token);
        Fleet fleet = new Fleet(RedisServer.builder().build(), HexFormat.of().formatHex(token));
        try {
            // The store must be up for a server to start (it checks it); a scenario "store down" stops it afterwards.
            fleet.redis.start();
            for (int i = 0; i < setup.servers().size(); i++) {
                Scenario.ServerSetup s = setup.servers().get(i);
                String name = "s" + i;
                Map<String, String> env = new java.util.HashMap<>(Map.of(
                        "FERRY_SERVER_NAME",
                        name,
                        "FERRY_BIND",
                        "127.0.0.1",
                        "FERRY_PORT",
                        "0",
                        "FERRY_ADMIN_PORT",
                        "0",
                        "FERRY_ADMIN_TOKEN",
                        fleet.adminToken,
                        "FERRY_STORE_URI",
                        fleet.redis.uri(),
                        "FERRY_IDLE_MIGRATION_TIMER",
                        Integer.toString(s.idleMigrationSeconds()),
                        "FERRY_SESSION_IDLE_TIMER",
                        Integer.toString(s.sessionIdleSeconds()),
                        "FERRY_PEERS",
                        ""));
                if (s.handshakeTimeoutSeconds() > 0) {
                    env.put("FERRY_HANDSHAKE_TIMEOUT", Integer.toString(s.handshakeTimeoutSeconds()));
                }
                if (s.maxFrameBytes() > 0) env.put("FERRY_MAX_FRAME_BYTES", Integer.toString(s.maxFrameBytes()));
                if (s.maxSessions() > 0) env.put("FERRY_MAX_SESSIONS", Integer.toString(s.maxSessions()));
                // Launched together, awaited after: the JVM starts overlap.
                List<String> flags =
                        ServerAotCache.flags(env, logDirectory.getParent().resolve("aot"));
                fleet.servers.add(ReferenceServerProcess.launch(name, env, logDirectory.resolve(name + ".log"), flags));
            }
            for (ReferenceServerProcess s : fleet.servers) s.awaitReady(SERVER_START);
            if (!setup.storeUp()) fleet.redis.stop();
            log.info(
                    "fleet up: {}",
                    fleet.servers.stream()
                            .map(s -> s.name() + "=" + s.address())
                            .toList());
            return fleet;
        } catch (IOException | RuntimeException e) {
            fleet.close();
            if (e instanceof ScenarioFailure f) throw f;
            throw new ScenarioFailure("cannot start the fleet: " + e, e);
        }
    }

    int size() {
        return servers.size();
    }

    ReferenceServerProcess server(int index) {
        return servers.get(index);
    }

    RedisServer redis() {
        return redis;
    }

    String adminToken() {
        return adminToken;
    }

    @Override
    public void close() {
        for (ReferenceServerProcess s : servers) {
            try {
                s.close();
            } catch (RuntimeException e) {
                log.warn("cannot stop {}", s.name(), e);
            }
        }
        redis.close();
    }
}
