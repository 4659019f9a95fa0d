package dev.ferry.reference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * The reference server as its own OS process (what a pod runs), started from the test's class
 * path, so a test can send it a real SIGTERM. Its output goes straight to a log file.
 */
final class ServerProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("FERRY READY name=(\\S+) address=(\\S+) admin=(\\S+)");

    final Process process;
    final String address;
    final String admin;
    final Path log;

    private ServerProcess(Process process, String address, String admin, Path log) {
        this.process = process;
        this.address = address;
        this.admin = admin;
        this.log = log;
    }

    /**
     * The environment of a reference server named {@code name} on ephemeral client and admin ports, with the admin token
     * {@link AdminClient#TOKEN}, {@code redis} as its store and {@code peers} (comma-separated addresses, may be empty).
     */
    static Map<String, String> env(String name, String peers, dev.ferry.testkit.RedisServer redis) {
        return Map.of(
                "FERRY_SERVER_NAME",
                name,
                "FERRY_PORT",
                "0",
                "FERRY_ADMIN_PORT",
                "0",
                "FERRY_ADMIN_TOKEN",
                AdminClient.TOKEN,
                "FERRY_STORE_URI",
                redis.uri(),
                "FERRY_PEERS",
                peers);
    }

    static ServerProcess start(Map<String, String> env) throws IOException {
        return start(java.util.List.of(), env);
    }

    /** @param prefix what runs the JVM, e.g. {@code ip netns exec <ns>} to start it inside a network namespace */
    static ServerProcess start(java.util.List<String> prefix, Map<String, String> env) throws IOException {
        Path log = Files.createTempFile("ferry-server-", ".log");
        java.util.List<String> command = new java.util.ArrayList<>(prefix);
        command.addAll(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                ReferenceServer.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        AtomicReference<Matcher> ready = new AtomicReference<>();
        try {
            Awaitility.await("server start").atMost(Duration.ofSeconds(30)).until(() -> {
                if (!p.isAlive())
                    throw new IllegalStateException(
                            "server exited with " + p.exitValue() + ": " + Files.readString(log));
                Matcher m = READY.matcher(Files.readString(log));
                if (m.find()) ready.set(m);
                return ready.get() != null;
            });
        } catch (RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
        return new ServerProcess(p, ready.get().group(2), ready.get().group(3), log);
    }

    /** SIGTERM, as Kubernetes sends on pod deletion; @return the exit code */
    int terminate(Duration wait) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("server did not exit within " + wait + " of SIGTERM");
        }
        return process.exitValue();
    }

    /** SIGKILL, as when a node or the kernel's OOM killer takes the pod: no drain, no cleanup. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS))
            throw new AssertionError("server did not die within 30 s of SIGKILL");
    }

    String logText() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
