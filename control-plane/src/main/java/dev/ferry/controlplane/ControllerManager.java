package dev.ferry.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kube-controller-manager as a child process of the test JVM, bound to 127.0.0.1, with the
 * controllers the tests rely on: the garbage collector (owner references), the namespace
 * controller (namespace deletion finishes) and the service-account controller (a "default"
 * ServiceAccount in each namespace). Its output goes to {@code kube-controller-manager.log} in
 * the run directory.
 */
public final class ControllerManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControllerManager.class);

    /**
     * The controllers started; override with {@code -Dferry.controlplane.controllers=a,b,c}: the garbage
     * collector (owner references), namespace and service-account controllers (a test namespace gets
     * its default ServiceAccount and is emptied on delete), and the node lifecycle and taint eviction
     * controllers. This harness runs no kubelet: tests that need pods to run use the node tier.
     */
    public static final String DEFAULT_CONTROLLERS =
            "garbagecollector,namespace,serviceaccount,nodelifecycle,taint-eviction-controller";

    private final Process process;
    private final Path logFile;
    private final int port;

    private ControllerManager(Process process, Path logFile, int port) {
        this.process = process;
        this.logFile = logFile;
        this.port = port;
    }

    static ControllerManager start(Path binary, Path kubeconfig, Path certDir, Path runDir, Duration startupTimeout) {
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(
                    "No kube-controller-manager at " + binary + ": run scripts/control-plane.sh");
        }
        Path logFile = runDir.resolve("kube-controller-manager.log");
        Path servingCertDir = runDir.resolve("kube-controller-manager-certs");
        int port = freeLoopbackPort();
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.add("--kubeconfig=" + kubeconfig);
        command.add("--authentication-kubeconfig=" + kubeconfig);
        command.add("--authorization-kubeconfig=" + kubeconfig);
        // The API server has no front-proxy CA; looking for it only fills the log with errors.
        command.add("--authentication-skip-lookup=true");
        command.add("--bind-address=127.0.0.1");
        command.add("--secure-port=" + port);
        command.add("--cert-dir=" + servingCertDir);
        command.add("--leader-elect=false");
        command.add("--controllers=" + System.getProperty("ferry.controlplane.controllers", DEFAULT_CONTROLLERS));
        command.add("--root-ca-file=" + certDir.resolve("apiserver.crt"));
        command.add("--service-account-private-key-file=" + certDir.resolve("apiserver.key"));
        command.add("--use-service-account-credentials=false");
        try {
            Files.createDirectories(servingCertDir);
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            ControllerManager kcm = new ControllerManager(process, logFile, port);
            log.info("Started kube-controller-manager (pid {}, port {}, log {})", process.pid(), port, logFile);
            kcm.awaitHealthy(startupTimeout);
            return kcm;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + binary, e);
        }
    }

    private void awaitHealthy(Duration timeout) {
        ComponentProcess.awaitHealthy("kube-controller-manager", process, port, logFile, timeout);
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
        ComponentProcess.stop("kube-controller-manager", process);
    }

    static int freeLoopbackPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Only for the health probe of a process this JVM started on loopback. */
    static HttpClient insecureLoopbackClient() {
        try {
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(
                    null,
                    new TrustManager[] {
                        new X509TrustManager() {
                            @Override
                            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                            @Override
                            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                            @Override
                            public X509Certificate[] getAcceptedIssuers() {
                                return new X509Certificate[0];
                            }
                        }
                    },
                    null);
            return HttpClient.newBuilder()
                    .sslContext(ssl)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
