package dev.ferry.operator.resources;

import dev.ferry.operator.model.Advertise;
import dev.ferry.operator.model.ContextStoreSpec;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.ServerFleetSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A server pod of the fleet. {@link #template} is the user's template with what the operator adds
 * (ports, FERRY_* environment, probes, labels); its hash is the pod's revision.
 */
public final class FleetPod {
    /** The reference server's FERRY_CLAIM_CONFIRM_TIMEOUT when unset. */
    static final int DEFAULT_CLAIM_CONFIRM_TIMEOUT_SECONDS = 5;

    public static final String SERVER_CONTAINER = "server";
    public static final String CLIENT_PORT_NAME = "client";
    public static final String ADMIN_PORT_NAME = "admin";
    public static final String READY_PATH = "/healthz/ready";
    public static final String LIVE_PATH = "/healthz/live";
    /** How long a server may take to start before the kubelet restarts it (the startup probe's budget). */
    static final int STARTUP_SECONDS = 180;

    /** The writable /tmp the operator adds when it makes the root file system read-only. */
    static final String TMP_VOLUME = "ferry-tmp";

    /** Extra seconds after the idle migration timer before the kubelet kills a pod on SIGTERM. */
    static final long GRACE_MARGIN_SECONDS = 30;

    private FleetPod() {}

    /**
     * A new pod of the fleet at the current revision. The API server names it: the fleet's name, a
     * dash and a random suffix ({@code metadata.generateName}).
     */
    public static Pod desired(ServerFleet fleet) {
        PodTemplateSpec template = template(fleet);
        String revision = PodRevision.of(template);
        Map<String, String> labels = new LinkedHashMap<>(template.getMetadata().getLabels());
        labels.put(FleetLabels.REVISION, revision);
        labels.put(FleetLabels.SERVING, "true");
        ObjectMeta meta = FleetLabels.ownedMetadata(fleet, null);
        meta.setGenerateName(fleet.getMetadata().getName() + "-");
        meta.setLabels(labels);
        meta.setAnnotations(template.getMetadata().getAnnotations());
        return new PodBuilder().withMetadata(meta).withSpec(template.getSpec()).build();
    }

    /**
     * The fleet's pod template as the operator runs it. Everything that shapes a pod is in here, so
     * that its hash changes exactly when pods must be replaced.
     */
    public static PodTemplateSpec template(ServerFleet fleet) {
        ServerFleetSpec spec = fleet.getSpec();
        PodTemplateSpec user = new PodTemplateSpecBuilder(spec.getTemplate()).build();
        ObjectMeta meta = user.getMetadata() == null ? new ObjectMeta() : user.getMetadata();
        Map<String, String> labels = new LinkedHashMap<>(meta.getLabels() == null ? Map.of() : meta.getLabels());
        labels.putAll(FleetLabels.of(fleet));
        PodSpec podSpec = user.getSpec();
        List<Container> containers = new ArrayList<>(podSpec.getContainers());
        int server = serverContainerIndex(containers);
        containers.set(server, serverContainer(fleet, containers.get(server)));
        podSpec.setContainers(containers);
        if (podSpec.getSecurityContext() == null) {
            // Secure unless the template says otherwise: the server image runs as 65532.
            podSpec.setSecurityContext(new PodSecurityContextBuilder()
                    .withRunAsNonRoot(true)
                    .withNewSeccompProfile()
                    .withType("RuntimeDefault")
                    .endSeccompProfile()
                    .build());
        }
        if (containers.get(server).getVolumeMounts() != null
                && containers.get(server).getVolumeMounts().stream().anyMatch(m -> TMP_VOLUME.equals(m.getName()))) {
            List<Volume> volumes = new ArrayList<>(podSpec.getVolumes() == null ? List.of() : podSpec.getVolumes());
            if (volumes.stream().noneMatch(v -> TMP_VOLUME.equals(v.getName()))) {
                // Netty unpacks its native transport into /tmp; the root file system is read-only.
                volumes.add(new VolumeBuilder()
                        .withName(TMP_VOLUME)
                        .withNewEmptyDir()
                        .withSizeLimit(new Quantity("64Mi"))
                        .endEmptyDir()
                        .build());
                podSpec.setVolumes(volumes);
            }
        }
        FleetTlsSecrets.servingName(fleet).ifPresent(secret -> {
            List<Volume> volumes = new ArrayList<>(podSpec.getVolumes() == null ? List.of() : podSpec.getVolumes());
            volumes.removeIf(v -> FleetTlsSecrets.VOLUME.equals(v.getName()));
            volumes.add(new VolumeBuilder()
                    .withName(FleetTlsSecrets.VOLUME)
                    .withNewSecret()
                    .withSecretName(secret)
                    .endSecret()
                    .build());
            podSpec.setVolumes(volumes);
        });
        if (podSpec.getTerminationGracePeriodSeconds() == null) {
            // A pod told to stop without the operator (node failure, kubectl delete) drains itself to its
            // peers on SIGTERM; it needs the idle migration timer to let its clients move.
            podSpec.setTerminationGracePeriodSeconds(spec.getIdleMigrationTimerSeconds() + GRACE_MARGIN_SECONDS);
        }
        return new PodTemplateSpecBuilder()
                .withNewMetadata()
                .withLabels(labels)
                .withAnnotations(meta.getAnnotations() == null ? Map.of() : meta.getAnnotations())
                .endMetadata()
                .withSpec(podSpec)
                .build();
    }

    /** The container named {@value #SERVER_CONTAINER}, else the first. */
    static int serverContainerIndex(List<Container> containers) {
        for (int i = 0; i < containers.size(); i++) {
            if (SERVER_CONTAINER.equals(containers.get(i).getName())) {
                return i;
            }
        }
        return 0;
    }

    private static Container serverContainer(ServerFleet fleet, Container user) {
        ServerFleetSpec spec = fleet.getSpec();
        List<EnvVar> env = serverEnv(fleet);
        Set<String> ours = env.stream().map(EnvVar::getName).collect(Collectors.toSet());
        // The user's own variables follow ours, except the ones the operator decides.
        if (user.getEnv() != null) {
            user.getEnv().stream().filter(e -> !ours.contains(e.getName())).forEach(env::add);
        }
        List<ContainerPort> ports = new ArrayList<>();
        ports.add(port(CLIENT_PORT_NAME, spec.getClientPort()));
        ports.add(port(ADMIN_PORT_NAME, spec.getAdminPort()));
        if (user.getPorts() != null) {
            user.getPorts().stream()
                    .filter(p -> !CLIENT_PORT_NAME.equals(p.getName()) && !ADMIN_PORT_NAME.equals(p.getName()))
                    .filter(p -> p.getContainerPort() == null
                            || (!p.getContainerPort().equals(spec.getClientPort())
                                    && !p.getContainerPort().equals(spec.getAdminPort())))
                    .forEach(ports::add);
        }
        ContainerBuilder b = new ContainerBuilder(user).withEnv(env).withPorts(ports);
        List<VolumeMount> mounts = new ArrayList<>(user.getVolumeMounts() == null ? List.of() : user.getVolumeMounts());
        if (user.getSecurityContext() == null) {
            // Hardened unless the template sets its own: no privilege escalation, no capabilities, a
            // read-only root file system with a small writable /tmp.
            b.withSecurityContext(new SecurityContextBuilder()
                    .withAllowPrivilegeEscalation(false)
                    .withReadOnlyRootFilesystem(true)
                    .withNewCapabilities()
                    .withDrop("ALL")
                    .endCapabilities()
                    .build());
            if (mounts.stream().noneMatch(m -> "/tmp".equals(m.getMountPath()))) {
                mounts.add(new VolumeMountBuilder()
                        .withName(TMP_VOLUME)
                        .withMountPath("/tmp")
                        .build());
            }
        }
        boolean tls = FleetTlsSecrets.servingName(fleet).isPresent();
        if (tls) {
            mounts.removeIf(m -> FleetTlsSecrets.VOLUME.equals(m.getName()));
            mounts.add(new VolumeMountBuilder()
                    .withName(FleetTlsSecrets.VOLUME)
                    .withMountPath(FleetTlsSecrets.MOUNT_PATH)
                    .withReadOnly(true)
                    .build());
        }
        if (!mounts.isEmpty()) {
            b.withVolumeMounts(mounts);
        }
        if (user.getReadinessProbe() == null) {
            // Readiness is the server's own verdict (store reachable, not draining), polled often: a pod
            // that starts to drain must leave the Service's endpoints quickly.
            b.withReadinessProbe(httpProbe(READY_PATH, 2, 2, 1, tls));
        }
        if (user.getStartupProbe() == null) {
            // Liveness counts only once the server is up: a JVM starting on a busy node can take tens of
            // seconds, and failures before then must not add up to a restart of a pod that just took sessions.
            b.withStartupProbe(httpProbe(LIVE_PATH, 2, STARTUP_SECONDS / 2, 1, tls));
        }
        if (user.getLivenessProbe() == null) {
            // A restart drops every session on the pod, so only a server that stays silent for half a minute
            // is restarted, not one that is slow to answer while it takes in a drain's sessions.
            b.withLivenessProbe(httpProbe(LIVE_PATH, 10, 3, 5, tls));
        }
        return b.build();
    }

    /** The server's configuration (see the reference server's ServerConfig). */
    static List<EnvVar> serverEnv(ServerFleet fleet) {
        ServerFleetSpec spec = fleet.getSpec();
        List<EnvVar> env = new ArrayList<>();
        // POD_IP first: later values refer to it as $(POD_IP), which works only for earlier variables.
        env.add(fieldRef("POD_IP", "status.podIP"));
        env.add(fieldRef("FERRY_SERVER_NAME", "metadata.name"));
        env.add(value("FERRY_BIND", "0.0.0.0"));
        env.add(value("FERRY_PORT", spec.getClientPort()));
        env.add(value("FERRY_ADMIN_PORT", spec.getAdminPort()));
        String advertised = spec.getAdvertise() == Advertise.Service
                ? ClientService.address(fleet)
                : "$(POD_IP):" + spec.getClientPort();
        env.add(value("FERRY_ADVERTISED_ADDRESS", advertised));
        ContextStoreSpec store = spec.getContextStore();
        if (store.getSecretKeyRef() != null) {
            env.add(secretRef(
                    "FERRY_STORE_URI",
                    store.getSecretKeyRef().getName(),
                    store.getSecretKeyRef().getKey()));
        } else {
            env.add(value("FERRY_STORE_URI", store.getUri()));
        }
        env.add(value("FERRY_IDLE_MIGRATION_TIMER", spec.getIdleMigrationTimerSeconds()));
        env.add(value("FERRY_SESSION_IDLE_TIMER", spec.getSessionIdleTimerSeconds()));
        env.add(value("FERRY_DRAIN_RATE", spec.getMigrationRatePerSecond()));
        Integer claimConfirm = spec.getClaimConfirmTimeoutSeconds();
        if (claimConfirm != null && claimConfirm != DEFAULT_CLAIM_CONFIRM_TIMEOUT_SECONDS) {
            // Only when not the server's default: fleets that leave it alone keep the template (and revision) they had.
            env.add(value("FERRY_CLAIM_CONFIRM_TIMEOUT", claimConfirm));
        }
        if (Boolean.TRUE.equals(store.getWriteThrough())) {
            // Only when on: a fleet without it keeps the template (and revision) it had before the field existed.
            env.add(value("FERRY_WRITE_THROUGH", true));
        }
        env.add(secretRef("FERRY_ADMIN_TOKEN", AdminTokenSecret.name(fleet), AdminTokenSecret.KEY));
        if (FleetTlsSecrets.servingName(fleet).isPresent()) {
            // The admin port serves HTTPS with the same certificate (the server's default with a certificate).
            env.add(value("FERRY_TLS_CERT_FILE", FleetTlsSecrets.MOUNT_PATH + "/" + FleetTlsSecrets.TLS_CERT));
            env.add(value("FERRY_TLS_KEY_FILE", FleetTlsSecrets.MOUNT_PATH + "/" + FleetTlsSecrets.TLS_KEY));
        }
        return env;
    }

    private static EnvVar value(String name, Object value) {
        return new EnvVarBuilder()
                .withName(name)
                .withValue(String.valueOf(value))
                .build();
    }

    private static EnvVar fieldRef(String name, String fieldPath) {
        return new EnvVarBuilder()
                .withName(name)
                .withNewValueFrom()
                .withNewFieldRef()
                .withFieldPath(fieldPath)
                .endFieldRef()
                .endValueFrom()
                .build();
    }

    private static EnvVar secretRef(String name, String secret, String key) {
        return new EnvVarBuilder()
                .withName(name)
                .withNewValueFrom()
                .withNewSecretKeyRef()
                .withName(secret)
                .withKey(key)
                .endSecretKeyRef()
                .endValueFrom()
                .build();
    }

    private static ContainerPort port(String name, int port) {
        return new ContainerPortBuilder()
                .withName(name)
                .withContainerPort(port)
                .withProtocol("TCP")
                .build();
    }

    private static Probe httpProbe(
            String path, int periodSeconds, int failureThreshold, int timeoutSeconds, boolean https) {
        return new ProbeBuilder()
                .withNewHttpGet()
                .withScheme(
                        https
                                ? "HTTPS"
                                : null) // unset when plain: the same template (and revision) as before TLS existed
                .withPath(path)
                .withPort(new IntOrString(ADMIN_PORT_NAME))
                .endHttpGet()
                .withPeriodSeconds(periodSeconds)
                .withTimeoutSeconds(timeoutSeconds)
                .withFailureThreshold(failureThreshold)
                .build();
    }
}
