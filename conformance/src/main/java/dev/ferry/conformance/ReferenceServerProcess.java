package dev.ferry.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reference server ({@code dev.ferry.reference.ReferenceServer}) as its own OS process, so a scenario can
 * SIGKILL it. It binds ephemeral ports (FERRY_PORT=0) and says which in its {@code FERRY READY} line; its output is
 * copied to a log file.
 */
final class ReferenceServerProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReferenceServerProcess.class);
    private static final Pattern READY = Pattern.compile("FERRY READY name=(\\S+) address=(\\S+) admin=(\\S+)");
    static final String MAIN_CLASS = "dev.ferry.reference.ReferenceServer";
    private static final long READY_POLL_MS = 20;

    private final String name;
    private final Process process;
    private final Path logFile;
    private final CompletableFuture<Matcher> ready = new CompletableFuture<>();
    private String address;
    private String admin;

    private ReferenceServerProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
    }

    /** Launches the process; {@link #awaitReady(Duration)} waits for it to listen. */
    static ReferenceServerProcess launch(String name, Map<String, String> env, Path logFile, List<String> jvmFlags)
            throws IOException {
        List<String> command = new ArrayList<>(JavaCommand.java());
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", ServerAotCache.serverClassPath(), MAIN_CLASS));
        Files.createDirectories(logFile.getParent());
        // Straight to a file, not through a pipe: a JVM writing its AOT cache at exit, with its output on a pipe, was
        // seen to exit without writing it.
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        Process p = ChildProcesses.track(pb.start());
        ReferenceServerProcess server = new ReferenceServerProcess(name, p, logFile);
        Thread.ofVirtual().name("ferry-conformance-ready-" + name).start(server::watchForReady);
        return server;
    }

    /** Looks for the READY line in the log until it is there or the process has exited (a short poll of a file). */
    private void watchForReady() {
        try {
            for (; ; ) {
                boolean exited = !process.isAlive();
                Matcher m = READY.matcher(Files.readString(logFile, StandardCharsets.UTF_8));
                if (m.find()) {
                    ready.complete(m);
                    return;
                }
                if (exited) break;
                Thread.sleep(READY_POLL_MS);
            }
        } catch (IOException e) {
            log.debug("{}: cannot read {}: {}", name, logFile, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ready.completeExceptionally(new IllegalStateException("server " + name + " exited (" + exitDescription()
                + ") before it printed FERRY READY; log: " + logFile));
    }

    String exitDescription() {
        try {
            return process.waitFor(5, TimeUnit.SECONDS) ? "exit code " + process.exitValue() : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    void awaitReady(Duration timeout) {
        try {
            Matcher m = ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            address = m.group(2);
            admin = m.group(3);
        } catch (TimeoutException e) {
            throw new ScenarioFailure(
                    "server " + name + " did not print FERRY READY within " + timeout + "; log: " + logFile);
        } catch (ExecutionException e) {
            throw new ScenarioFailure(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScenarioFailure("interrupted while starting " + name, e);
        }
    }

    String name() {
        return name;
    }

    /** {@code host:port} of the client port. */
    String address() {
        return address;
    }

    /** {@code host:port} of the admin port. */
    String admin() {
        return admin;
    }

    Path logFile() {
        return logFile;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM; returns whether the process exited within {@code wait}. */
    boolean terminate(Duration wait) {
        process.destroy();
        try {
            return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** SIGKILL: no drain, no cleanup, like a node lost or the OOM killer. Returns once the process is gone. */
    void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS))
                throw new ScenarioFailure("server " + name + " survived SIGKILL for 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScenarioFailure("interrupted while killing " + name, e);
        }
        log.info("server {} killed (SIGKILL)", name);
    }

    @Override
    public void close() {
        if (!process.isAlive()) return;
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
