package dev.ferry.bench.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.reference.ReferenceHandler;
import dev.ferry.reference.ServerConfig;
import dev.ferry.server.FerryServer;
import dev.ferry.server.ServerOptions;
import dev.ferry.server.admin.AdminOptions;
import dev.ferry.server.admin.AdminServer;
import dev.ferry.store.ContextStore;
import dev.ferry.store.ContextStoreOptions;
import dev.ferry.store.ContextStores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The reference server as the benchmarks run it: configured by the same environment variables,
 * with the same SDK options, but with {@link BenchHandler} around the reference handler, so the
 * benchmark can learn when the server decided each session must move. The reference server's
 * own start-up builds its handler itself, which is why this class builds the server the same way
 * instead of calling it.
 *
 * <p>It prints the reference server's {@code FERRY READY} line, then reads commands on stdin:
 * {@code DECISIONS} answers {@code @ferry DECISIONS {"<session id>": nanoTime, ...}} with the
 * decisions since the last such command. When stdin closes (the benchmark is gone) or on
 * SIGTERM, it drains to its peers like the reference server and exits.
 */
public final class BenchServer {
    private static final Logger log = LoggerFactory.getLogger(BenchServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private BenchServer() {}

    public static void main(String[] args) throws IOException {
        ServerConfig config;
        try {
            config = ServerConfig.fromEnvironment(Map.copyOf(System.getenv()));
        } catch (IllegalArgumentException e) {
            log.error(e.getMessage());
            System.exit(2);
            return;
        }
        MoveDecisions decisions = new MoveDecisions();
        ContextStore store = ContextStores.open(config.storeUri(), ContextStoreOptions.builder().trustCaPem(config.storeCaFile()).build());
        FerryServer server = FerryServer.start(ServerOptions.builder()
                .serverName(config.serverName())
                .bindHost(config.bindHost())
                .port(config.port())
                .advertisedAddress(config.advertisedAddress())
                .timers(config.timers())
                .maxSessions(config.maxSessions())
                .writeThrough(config.writeThrough())
                .claimConfirmTimeout(config.claimConfirmTimeout())
                .contextStore(store)
                .handler(new BenchHandler(new ReferenceHandler(config.serverName(), config.version()), decisions))
                .tls(config.tls())
                .build());
        server.setPeers(config.peers());
        AdminOptions.Builder adminOptions = AdminOptions.builder().bindHost(config.bindHost()).port(config.adminPort()).tls(config.adminTls());
        if (config.adminToken() != null) adminOptions.bearerToken(config.adminToken());
        else adminOptions.insecureNoAuth();
        AdminServer admin = AdminServer.start(adminOptions.build(), server);
        Runnable stop = new GracefulStop(config, server, admin, store);
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "ferry-sigterm"));
        System.out.println("FERRY READY name=" + config.serverName() + " address=" + server.advertisedAddress()
                + " admin=" + admin.localAddress().getHostString() + ":" + admin.localAddress().getPort()
                + " version=" + config.version());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.trim().equals("DECISIONS")) {
                ObjectNode body = JSON.createObjectNode();
                decisions.drain().forEach(body::put);
                System.out.println("@ferry DECISIONS " + body);
                System.out.flush();
            } else if (!line.isBlank()) {
                log.warn("unknown command on stdin: {}", line);
            }
        }
        System.exit(0); // the shutdown hook drains and closes
    }

    /** SIGTERM or the end of stdin: what the reference server does on SIGTERM. */
    private record GracefulStop(ServerConfig config, FerryServer server, AdminServer admin, ContextStore store) implements Runnable {
        @Override
        public void run() {
            Duration bound = config.timers().idleMigration().plusSeconds(1);
            int left = server.shutdownGracefully(config.drainRate(), bound);
            admin.close();
            if (left > 0) log.warn("{}: {} sessions were still here after {} s and were closed", config.serverName(), left, bound.toSeconds());
            store.close();
        }
    }
}
