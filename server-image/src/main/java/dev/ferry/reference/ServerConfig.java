package dev.ferry.reference;

import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.server.MigrationTimers;
import dev.ferry.server.tls.TlsOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The reference server's settings, read from environment variables (what a pod template sets).
 * Every bad value is reported together, each with the variable's name and what it accepts.
 */
public record ServerConfig(
        String serverName,
        String bindHost,
        int port,
        String advertisedAddress,
        String storeUri,
        MigrationTimers timers,
        int adminPort,
        String adminToken,
        boolean adminInsecure,
        List<String> peers,
        int maxSessions,
        double drainRate,
        TlsOptions tls,
        TlsOptions adminTls,
        Path storeCaFile,
        boolean writeThrough,
        Duration claimConfirmTimeout,
        String version,
        int warmUpIterations,
        Duration warmUpAtMost,
        int maxFrameBytes,
        Duration handshakeTimeout) {

    /** The variables, with defaults, for --help and error messages. */
    public static final String HELP = """
            FERRY_SERVER_NAME          name shown to clients and in the store (default: $POD_NAME, else the host name)
            FERRY_BIND                 address to listen on (default 127.0.0.1)
            FERRY_PORT                 client port (default 7000; 0 = any free port)
            FERRY_ADVERTISED_ADDRESS   host:port peers send migrating clients to (default: bind address and port)
            FERRY_STORE_URI            context store: memory:, redis://host:port, rediss://, redis-sentinel://, redis-cluster:// (default memory:)
            FERRY_IDLE_MIGRATION_TIMER seconds the source waits for a client to move, 0..32767 (default 60)
            FERRY_SESSION_IDLE_TIMER   seconds an exported context waits in the store, 0..32767 (default 600)
            FERRY_ADMIN_PORT           admin HTTP port (default 7001; 0 = any free port)
            FERRY_ADMIN_TOKEN          bearer token for the admin API (or FERRY_ADMIN_TOKEN_FILE); required unless
            FERRY_ADMIN_INSECURE=true  turns admin authentication off (a developer's machine only)
            FERRY_PEERS                comma-separated host:port list a SIGTERM drains to (the operator keeps it current)
            FERRY_MAX_SESSIONS         most sessions this server holds, 1..10000000 (default 200000)
            FERRY_MAX_FRAME_BYTES      largest frame a client may send (length field), 1024..67108864 (default 1048576)
            FERRY_HANDSHAKE_TIMEOUT    seconds a new connection has to send HELLO or RESUME (and finish TLS), 1..3600
                                       (default 10)
            FERRY_DRAIN_RATE           sessions per second a SIGTERM drain moves, 0 = unlimited (default 0)
            FERRY_TLS_CERT_FILE        PEM certificate chain: serve the client port over TLS (e.g. tls.crt of a TLS Secret)
            FERRY_TLS_KEY_FILE         PEM (PKCS#8) private key of that certificate (e.g. tls.key); required with the cert
            FERRY_TLS_CLIENT_CA_FILE   PEM CA: clients must present a certificate it signed (mutual TLS; optional)
            FERRY_ADMIN_TLS            true/false: serve the admin port over HTTPS with the same certificate
                                       (default: true when FERRY_TLS_CERT_FILE is set; never asks for client certificates)
            FERRY_STORE_CA_FILE        PEM CA that signed Redis's certificate, for rediss:// (default: the JDK's trusted CAs)
            FERRY_WRITE_THROUGH        true/false: save every session's context at each command boundary, so sessions
                                       survive this server's crash (default false; needs FERRY_SESSION_IDLE_TIMER > 0)
            FERRY_CLAIM_CONFIRM_TIMEOUT seconds a resume's claim may stay unconfirmed before another server may take the
                                       session over (a target that died before its WELCOME got out), 1..3600 (default 5)
            FERRY_SERVER_VERSION       what the VERSION command answers (the image sets its tag; default: the jar's version)
            FERRY_WARMUP_ITERATIONS    warm-up sessions run on loopback, 4 at a time, before /healthz/ready says ready
                                       (commands, a STREAM, a migration to itself through the store), 0..100000;
                                       0 = none (default 0; the image sets 300)
            FERRY_WARMUP_MAX_SECONDS   the warm-up ends after this long even with iterations left, 1..3600 (default 10)
            """;

    public static ServerConfig fromEnvironment(Map<String, String> env) {
        List<String> problems = new ArrayList<>();
        String name = first(env, "FERRY_SERVER_NAME", "POD_NAME");
        if (name == null) name = hostName();
        String bind = env.getOrDefault("FERRY_BIND", "127.0.0.1");
        int port = (int) integer(env, "FERRY_PORT", 7000, 0, 65535, problems);
        String advertised = env.get("FERRY_ADVERTISED_ADDRESS");
        if (advertised != null && !isHostPort(advertised)) {
            problems.add("FERRY_ADVERTISED_ADDRESS must be host:port, was '" + advertised + "'");
        }
        String store = env.getOrDefault("FERRY_STORE_URI", "memory:");
        long idle = integer(env, "FERRY_IDLE_MIGRATION_TIMER", 60, 0, 32767, problems);
        long sessionIdle = integer(env, "FERRY_SESSION_IDLE_TIMER", 600, 0, 32767, problems);
        int adminPort = (int) integer(env, "FERRY_ADMIN_PORT", 7001, 0, 65535, problems);
        String token = env.get("FERRY_ADMIN_TOKEN");
        String tokenFile = env.get("FERRY_ADMIN_TOKEN_FILE");
        if (token == null && tokenFile != null) {
            try {
                token = Files.readString(Path.of(tokenFile), StandardCharsets.UTF_8)
                        .strip();
            } catch (IOException e) {
                problems.add("FERRY_ADMIN_TOKEN_FILE '" + tokenFile + "' cannot be read: " + e.getMessage());
            }
        }
        boolean insecure = "true"
                .equalsIgnoreCase(
                        env.getOrDefault("FERRY_ADMIN_INSECURE", "false").strip());
        if (token == null && !insecure && !problems.stream().anyMatch(p -> p.startsWith("FERRY_ADMIN_TOKEN_FILE"))) {
            problems.add(
                    "FERRY_ADMIN_TOKEN (or FERRY_ADMIN_TOKEN_FILE) is required: the admin API can drain this server; "
                            + "set FERRY_ADMIN_INSECURE=true to run without one on a developer machine");
        }
        List<String> peers = new ArrayList<>();
        String peerList = env.getOrDefault("FERRY_PEERS", "");
        for (String p : Arrays.stream(peerList.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList()) {
            if (isHostPort(p)) peers.add(p);
            else problems.add("FERRY_PEERS entries must be host:port, got '" + p + "'");
        }
        int maxSessions = (int) integer(env, "FERRY_MAX_SESSIONS", 200_000, 1, 10_000_000, problems);
        double rate = integer(env, "FERRY_DRAIN_RATE", 0, 0, 1_000_000, problems);
        TlsOptions tls = tls(env, problems);
        TlsOptions adminTls = adminTls(env, tls, problems);
        Path storeCa = readableFile(env, "FERRY_STORE_CA_FILE", problems);
        if (storeCa != null && !store.strip().toLowerCase(java.util.Locale.ROOT).startsWith("rediss")) {
            problems.add(
                    "FERRY_STORE_CA_FILE is set but FERRY_STORE_URI does not use TLS; use a rediss:// (or rediss-cluster://) URI");
        }
        String wt = env.getOrDefault("FERRY_WRITE_THROUGH", "false").strip().toLowerCase(java.util.Locale.ROOT);
        boolean writeThrough = wt.equals("true");
        if (!wt.equals("true") && !wt.equals("false")) {
            problems.add("FERRY_WRITE_THROUGH must be true or false, was '" + env.get("FERRY_WRITE_THROUGH") + "'");
        } else if (writeThrough && sessionIdle == 0) {
            problems.add(
                    "FERRY_WRITE_THROUGH=true needs FERRY_SESSION_IDLE_TIMER above 0: saved contexts live that long in the store");
        }
        long claimConfirm = integer(env, "FERRY_CLAIM_CONFIRM_TIMEOUT", 5, 1, 3600, problems);
        int warmUpIterations = (int) integer(env, "FERRY_WARMUP_ITERATIONS", 0, 0, 100_000, problems);
        long warmUpSeconds = integer(env, "FERRY_WARMUP_MAX_SECONDS", 10, 1, 3600, problems);
        int maxFrameBytes = (int) integer(
                env, "FERRY_MAX_FRAME_BYTES", ProtocolVersion.DEFAULT_MAX_FRAME_LENGTH, 1024, 64 << 20, problems);
        long handshakeSeconds = integer(env, "FERRY_HANDSHAKE_TIMEOUT", 10, 1, 3600, problems);
        String version = env.get("FERRY_SERVER_VERSION");
        if (version == null || version.isBlank()) version = jarVersion();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "invalid configuration:\n  " + String.join("\n  ", problems) + "\n\n" + HELP);
        }
        return new ServerConfig(
                name,
                bind,
                port,
                advertised,
                store,
                new MigrationTimers(Duration.ofSeconds(idle), Duration.ofSeconds(sessionIdle)),
                adminPort,
                token,
                insecure,
                List.copyOf(peers),
                maxSessions,
                rate,
                tls,
                adminTls,
                storeCa,
                writeThrough,
                Duration.ofSeconds(claimConfirm),
                version.strip(),
                warmUpIterations,
                Duration.ofSeconds(warmUpSeconds),
                maxFrameBytes,
                Duration.ofSeconds(handshakeSeconds));
    }

    /** The version in the jar's manifest (set by the build), or "dev" when run from classes. */
    private static String jarVersion() {
        String v = ServerConfig.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** Client-port TLS from FERRY_TLS_*; null when FERRY_TLS_CERT_FILE is not set. */
    private static TlsOptions tls(Map<String, String> env, List<String> problems) {
        Path cert = readableFile(env, "FERRY_TLS_CERT_FILE", problems);
        Path key = readableFile(env, "FERRY_TLS_KEY_FILE", problems);
        Path clientCa = readableFile(env, "FERRY_TLS_CLIENT_CA_FILE", problems);
        boolean certSet = present(env, "FERRY_TLS_CERT_FILE");
        boolean keySet = present(env, "FERRY_TLS_KEY_FILE");
        if (certSet != keySet) {
            problems.add(
                    "FERRY_TLS_CERT_FILE and FERRY_TLS_KEY_FILE go together: set both (TLS) or neither (plain TCP)");
            return null;
        }
        if (!certSet && present(env, "FERRY_TLS_CLIENT_CA_FILE")) {
            problems.add(
                    "FERRY_TLS_CLIENT_CA_FILE needs FERRY_TLS_CERT_FILE and FERRY_TLS_KEY_FILE: mutual TLS is TLS first");
            return null;
        }
        if (cert == null || key == null) return null;
        return new TlsOptions(cert, key, clientCa);
    }

    /** The admin port reuses the client certificate, without client certificates (kubelet probes have none). */
    private static TlsOptions adminTls(Map<String, String> env, TlsOptions tls, List<String> problems) {
        String v = env.get("FERRY_ADMIN_TLS");
        if (v == null || v.isBlank()) return tls == null ? null : TlsOptions.of(tls.certChainPem(), tls.keyPem());
        switch (v.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "false" -> {
                return null;
            }
            case "true" -> {
                if (tls == null) {
                    if (!present(env, "FERRY_TLS_CERT_FILE")) {
                        problems.add(
                                "FERRY_ADMIN_TLS=true needs FERRY_TLS_CERT_FILE and FERRY_TLS_KEY_FILE (the admin port uses the same certificate)");
                    }
                    return null;
                }
                return TlsOptions.of(tls.certChainPem(), tls.keyPem());
            }
            default -> {
                problems.add("FERRY_ADMIN_TLS must be true or false, was '" + v + "'");
                return null;
            }
        }
    }

    private static boolean present(Map<String, String> env, String key) {
        String v = env.get(key);
        return v != null && !v.isBlank();
    }

    private static Path readableFile(Map<String, String> env, String key, List<String> problems) {
        if (!present(env, key)) return null;
        Path p = Path.of(env.get(key).strip());
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            problems.add(key + " '" + p + "' is not a readable file (mount the Secret there, or unset the variable)");
            return null;
        }
        return p;
    }

    private static long integer(
            Map<String, String> env, String key, long dflt, long min, long max, List<String> problems) {
        String v = env.get(key);
        if (v == null || v.isBlank()) return dflt;
        try {
            long n = Long.parseLong(v.strip());
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException ignored) {
            // reported below with the accepted range
        }
        problems.add(key + " must be an integer in " + min + ".." + max + ", was '" + v + "'");
        return dflt;
    }

    static boolean isHostPort(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) return false;
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            return port > 0 && port <= 65535;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String first(Map<String, String> env, String... keys) {
        for (String k : keys) {
            String v = env.get(k);
            if (v != null && !v.isBlank()) return v.strip();
        }
        return null;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "ferry-server";
        }
    }
}
