package dev.ferry.controlplane;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfig;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real kube-apiserver + etcd for the whole test JVM, started through Fabric8 kube-api-test in
 * offline mode from the binaries that {@code scripts/control-plane.sh} builds.
 *
 * <p>RBAC authorization is on (kube-api-test passes {@code --authorization-mode RBAC}); the admin
 * identity is a client certificate in {@code system:masters}. Everything listens on 127.0.0.1.
 * The server is stopped by {@link #close()}, which the JUnit extension calls when the test run
 * ends, and by a JVM shutdown hook otherwise.
 *
 * <p>Use {@link #get()} for the shared instance; {@link ControlPlaneExtension} does it for tests.
 */
public final class ControlPlane implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);
    private static final Object LOCK = new Object();
    private static ControlPlane shared;

    private final ControlPlaneSettings settings;
    private final Path apiServerLog;
    private final Path kubeconfigFile;
    private final Path kubeApiTestDir;
    private final KubeAPIServer apiServer;
    private final Config adminConfig;
    private final KubernetesClient admin;
    private final Thread shutdownHook;
    private ControllerManager controllerManager;
    private KubeScheduler scheduler;
    private boolean closed;

    /** The JVM-wide control plane; started on first use. */
    public static ControlPlane get() {
        synchronized (LOCK) {
            if (shared == null || shared.isClosed()) {
                shared = start(ControlPlaneSettings.fromSystem());
            }
            return shared;
        }
    }

    /** Whether the shared control plane has been started (and not stopped). */
    public static boolean isRunning() {
        synchronized (LOCK) {
            return shared != null && !shared.isClosed();
        }
    }

    /** Starts a new, unshared control plane; the caller closes it. */
    public static ControlPlane start(ControlPlaneSettings settings) {
        return new ControlPlane(settings);
    }

    private ControlPlane(ControlPlaneSettings settings) {
        this.settings = settings;
        long t0 = System.nanoTime();
        requireBinaries(settings);
        try {
            Files.createDirectories(settings.runDir());
            kubeApiTestDir = settings.runDir().resolve("kubeapitest");
            Files.createDirectories(kubeApiTestDir);
            linkBinaries(
                    kubeApiTestDir.resolve("k8s"), settings.kubeApiTestHome().resolve("k8s"));
            apiServerLog = settings.runDir().resolve("kube-apiserver.log");
            Files.deleteIfExists(apiServerLog);
            Files.deleteIfExists(settings.runDir().resolve("kube-controller-manager.log"));
            Files.deleteIfExists(settings.runDir().resolve("kube-scheduler.log"));
            kubeconfigFile = settings.runDir().resolve("admin.kubeconfig");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare " + settings.runDir(), e);
        }

        KubeAPIServerConfig config = KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(kubeApiTestDir.toString())
                .withApiServerVersion(settings.kubeVersion())
                .withOfflineMode(true)
                // Start the API server only once etcd answers: no connection-refused noise.
                .withWaitForEtcdHealthCheckOnStartup(true)
                .withUpdateKubeConfig(false)
                .withStartupTimeout((int) settings.startupTimeout().toMillis())
                .withApiServerFlag("--bind-address", "127.0.0.1")
                .withApiServerFlag("--advertise-address", "127.0.0.1")
                // 127.0.0.1 is not a valid endpoint address for the "kubernetes" Service; nothing
                // in the tests routes through it, so the endpoint reconciler is off.
                .withApiServerFlag("--endpoint-reconciler-type", "none")
                // -v=3 logs every request with its status (useful after a failure, and noisy).
                .withApiServerFlag("--v", System.getProperty("ferry.controlplane.apiServerVerbosity", "0"))
                // Understood by the kube-apiserver that scripts/control-plane.sh builds.
                .withApiServerFlag("--ferry-log-file", apiServerLog.toString())
                .build();
        apiServer = new KubeAPIServer(config);
        log.info(
                "Starting kube-apiserver v{} + etcd from {} (log: {})",
                settings.kubeVersion(),
                settings.binaryDir(),
                apiServerLog);
        try {
            apiServer.start();
        } catch (RuntimeException e) {
            String tail = LogFiles.tail(apiServerLog, 40);
            safeStop();
            throw new IllegalStateException(
                    "kube-apiserver did not start; last lines of " + apiServerLog + ":\n" + tail, e);
        }
        String kubeconfig = apiServer.getKubeConfigYaml();
        try {
            Files.writeString(kubeconfigFile, kubeconfig, StandardCharsets.UTF_8);
        } catch (IOException e) {
            safeStop();
            throw new UncheckedIOException(e);
        }
        adminConfig = Config.fromKubeconfig(kubeconfig);
        admin = new KubernetesClientBuilder().withConfig(adminConfig).build();
        shutdownHook = new Thread(this::close, "ferry-control-plane-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        log.info(
                "kube-apiserver {} ready at {} in {} ms (kubectl --kubeconfig {})",
                admin.getKubernetesVersion().getGitVersion(),
                adminConfig.getMasterUrl(),
                Duration.ofNanos(System.nanoTime() - t0).toMillis(),
                kubeconfigFile);
    }

    private static void requireBinaries(ControlPlaneSettings settings) {
        for (String b : List.of("kube-apiserver", "etcd", "kubectl")) {
            if (!Files.isExecutable(settings.binaryDir().resolve(b))) {
                throw new IllegalStateException(
                        "No "
                                + b
                                + " for Kubernetes "
                                + settings.kubeVersion()
                                + " in "
                                + settings.binaryDir()
                                + ": run scripts/control-plane.sh first (it builds the control plane from the Go module proxy)");
            }
        }
    }

    private static void linkBinaries(Path link, Path target) throws IOException {
        if (Files.isSymbolicLink(link)) {
            if (Files.readSymbolicLink(link).equals(target)) {
                return;
            }
            Files.delete(link);
        } else if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(link + " exists and is not a symbolic link to " + target);
        }
        Files.createSymbolicLink(link, target);
    }

    public ControlPlaneSettings settings() {
        return settings;
    }

    public String kubeVersion() {
        return settings.kubeVersion();
    }

    public String masterUrl() {
        return adminConfig.getMasterUrl();
    }

    /** The API server's log (stdout and stderr), written by the process itself. */
    public Path apiServerLog() {
        return apiServerLog;
    }

    /** A kubeconfig for the admin identity (client certificate, group system:masters). */
    public Path kubeconfigFile() {
        return kubeconfigFile;
    }

    /** The directory kube-api-test works in: certificates ({@code apiserver.crt/key}, ...). */
    public Path certificateDir() {
        return kubeApiTestDir;
    }

    /** A shared admin client; do not close it. */
    public KubernetesClient adminClient() {
        return admin;
    }

    /** A copy of the admin configuration with the given default namespace. */
    public Config adminConfig(String namespace) {
        return new ConfigBuilder(adminConfig).withNamespace(namespace).build();
    }

    /** A new admin client with the given default namespace; the caller closes it. */
    public KubernetesClient newAdminClient(String namespace) {
        return new KubernetesClientBuilder().withConfig(adminConfig(namespace)).build();
    }

    /**
     * The admin configuration impersonating {@code user} in {@code groups}: requests are authorized
     * exactly as for that user (the API server adds {@code system:authenticated}).
     */
    public Config impersonatingConfig(String namespace, String user, String... groups) {
        return new ConfigBuilder(adminConfig)
                .withNamespace(namespace)
                .withImpersonateUsername(Objects.requireNonNull(user))
                .withImpersonateGroups(groups)
                .build();
    }

    /** A bearer-token configuration: no client certificate, only {@code token}. */
    public Config tokenConfig(String namespace, String token) {
        return new ConfigBuilder(Config.empty())
                .withMasterUrl(adminConfig.getMasterUrl())
                .withCaCertFile(adminConfig.getCaCertFile())
                .withOauthToken(token)
                .withNamespace(namespace)
                .build();
    }

    /**
     * Quarkus configuration for a client with {@code config}'s identity (bearer token or client
     * certificate), for a {@code QuarkusTestResourceLifecycleManager}; Dev Services are turned off.
     */
    public static Map<String, String> quarkusClientProperties(Config config) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("quarkus.kubernetes-client.devservices.enabled", "false");
        p.put("quarkus.kubernetes-client.api-server-url", config.getMasterUrl());
        p.put("quarkus.kubernetes-client.ca-cert-file", config.getCaCertFile());
        p.put("quarkus.kubernetes-client.trust-certs", "false");
        if (config.getNamespace() != null) {
            p.put("quarkus.kubernetes-client.namespace", config.getNamespace());
        }
        if (config.getOauthToken() != null) {
            p.put("quarkus.kubernetes-client.token", config.getOauthToken());
        } else {
            p.put("quarkus.kubernetes-client.client-cert-file", config.getClientCertFile());
            p.put("quarkus.kubernetes-client.client-key-file", config.getClientKeyFile());
        }
        return p;
    }

    /** A token for a ServiceAccount, from the TokenRequest API (the SA must exist). */
    public String serviceAccountToken(String namespace, String serviceAccount, Duration validity) {
        TokenRequest request = new TokenRequestBuilder()
                .withNewSpec()
                .withExpirationSeconds(Math.max(600L, validity.toSeconds()))
                .endSpec()
                .build();
        TokenRequest response = admin.serviceAccounts()
                .inNamespace(namespace)
                .withName(serviceAccount)
                .tokenRequest(request);
        return response.getStatus().getToken();
    }

    /**
     * Starts kube-controller-manager (garbage collector, namespace and service-account
     * controllers) against this API server, once; later calls return the running one.
     */
    public synchronized ControllerManager controllerManager() {
        if (closed) {
            throw new IllegalStateException("control plane is stopped");
        }
        if (controllerManager == null || !controllerManager.isAlive()) {
            controllerManager = ControllerManager.start(
                    settings.binaryDir().resolve("kube-controller-manager"),
                    kubeconfigFile,
                    kubeApiTestDir,
                    settings.runDir(),
                    settings.startupTimeout());
        }
        return controllerManager;
    }

    /**
     * Starts the real kube-scheduler against this API server, once; later calls return the running
     * one. Pods without {@code spec.nodeName} are then bound to nodes, if any are registered.
     */
    public synchronized KubeScheduler scheduler() {
        if (closed) {
            throw new IllegalStateException("control plane is stopped");
        }
        if (scheduler == null || !scheduler.isAlive()) {
            scheduler = KubeScheduler.start(
                    settings.binaryDir().resolve("kube-scheduler"),
                    kubeconfigFile,
                    settings.runDir(),
                    settings.startupTimeout());
        }
        return scheduler;
    }

    /** The running scheduler, if one was started. */
    public synchronized KubeScheduler runningScheduler() {
        return scheduler != null && scheduler.isAlive() ? scheduler : null;
    }

    /** The running controller manager, if one was started. */
    public synchronized ControllerManager runningControllerManager() {
        return controllerManager != null && controllerManager.isAlive() ? controllerManager : null;
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    /** Stops kube-scheduler, kube-controller-manager, kube-apiserver and etcd; idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        log.info("Stopping control plane at {}", adminConfig.getMasterUrl());
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already shutting down: the hook runs close() again, harmlessly
            }
        }
        ControllerManager kcm;
        KubeScheduler ks;
        synchronized (this) {
            kcm = controllerManager;
            ks = scheduler;
        }
        if (ks != null) {
            ks.close();
        }
        if (kcm != null) {
            kcm.close();
        }
        admin.close();
        safeStop();
    }

    private void safeStop() {
        try {
            apiServer.stop();
        } catch (RuntimeException e) {
            log.warn("Stopping kube-apiserver/etcd failed", e);
        }
    }
}
