package dev.ferry.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real kube-scheduler as a child process of the test JVM, bound to 127.0.0.1, without leader
 * election. Pods without {@code spec.nodeName} are placed by it, so cordoned nodes, taints,
 * tolerations, node selectors, affinity and resource fit behave as in a cluster. Its output goes
 * to {@code kube-scheduler.log} in the run directory.
 */
public final class KubeScheduler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KubeScheduler.class);

    private final Process process;
    private final Path logFile;
    private final int port;

    private KubeScheduler(Process process, Path logFile, int port) {
        this.process = process;
        this.logFile = logFile;
        this.port = port;
    }

    static KubeScheduler start(Path binary, Path kubeconfig, Path runDir, Duration startupTimeout) {
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("No kube-scheduler at " + binary
                    + ": run scripts/control-plane.sh (it builds only what is missing)");
        }
        Path logFile = runDir.resolve("kube-scheduler.log");
        Path servingCertDir = runDir.resolve("kube-scheduler-certs");
        int port = ControllerManager.freeLoopbackPort();
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.add("--kubeconfig=" + kubeconfig);
        command.add("--authentication-kubeconfig=" + kubeconfig);
        command.add("--authorization-kubeconfig=" + kubeconfig);
        command.add("--authentication-skip-lookup=true");
        command.add("--bind-address=127.0.0.1");
        command.add("--secure-port=" + port);
        command.add("--cert-dir=" + servingCertDir);
        command.add("--leader-elect=false");
        command.add("--v=" + System.getProperty("ferry.controlplane.schedulerVerbosity", "1"));
        try {
            Files.createDirectories(servingCertDir);
            Files.deleteIfExists(logFile);
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            KubeScheduler scheduler = new KubeScheduler(process, logFile, port);
            log.info("Started kube-scheduler (pid {}, port {}, log {})", process.pid(), port, logFile);
            scheduler.awaitHealthy(startupTimeout);
            return scheduler;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + binary, e);
        }
    }

    private void awaitHealthy(Duration timeout) {
        ComponentProcess.awaitHealthy("kube-scheduler", process, port, logFile, timeout);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    /** Stops the process: SIGTERM, then SIGKILL after 10 s. */
    @Override
    public void close() {
        ComponentProcess.stop("kube-scheduler", process);
    }
}
