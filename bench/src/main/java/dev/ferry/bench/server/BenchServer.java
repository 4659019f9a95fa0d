package dev.ferry.bench.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.reference.ReferenceServer;
import dev.ferry.reference.ServerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference server as the benchmarks run it: configured by the same environment variables,
 * with the same SDK options, but with {@link BenchHandler} around the reference handler, so the
 * benchmark can learn when the server decided each session must move. It starts through
 * {@link ReferenceServer#start(ServerConfig, java.util.function.UnaryOperator)}, which lets it wrap
 * the reference handler.
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
        ReferenceServer server = ReferenceServer.start(config, reference -> new BenchHandler(reference, decisions));
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownGracefully, "ferry-sigterm"));
        server.printReady();
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
}
