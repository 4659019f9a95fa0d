package dev.ferry.controlplane.runtime;

import dev.ferry.controlplane.ControlPlane;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small kubelet for tests: registers fake Nodes with the API server and runs the pods the real
 * scheduler binds to them as local processes, each on a loopback address of its own.
 *
 * <ul>
 *   <li>Nodes {@code <prefix>-1..N} with allocatable cpu/memory/pods, {@code Ready=True}, a Lease
 *       in {@code kube-node-lease} renewed and a status heartbeat patched every {@link
 *       Builder#heartbeatInterval} (status only: cordon and taints, which are spec, are left as
 *       they are and honoured by the real kube-scheduler).
 *   <li>An informer per node on pods with {@code spec.nodeName=<node>}. Each pod gets an address
 *       127.0.0.x of its own (never one another pod holds), its containers are started by the
 *       {@link ContainerLauncher} registered for their image, and its status is written as a
 *       kubelet writes it: podIP(s), hostIP, phase, container statuses, the conditions, and
 *       readiness from the readiness probe.
 *   <li>A pod with a deletionTimestamp: SIGTERM, SIGKILL after the grace period, final status,
 *       then the pod object is deleted with grace period 0.
 *   <li>{@link #close()} (and a JVM shutdown hook) stops every process it started.
 * </ul>
 *
 * <pre>{@code
 * try (LocalPodRuntime runtime = LocalPodRuntime.builder(ControlPlane.get()).nodes(2).referenceServer().build()) {
 *   // create pods with image ReferenceServerLauncher.DEFAULT_IMAGE; the scheduler places them
 * }
 * }</pre>
 */
public final class LocalPodRuntime implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LocalPodRuntime.class);

  /** The node address every pod reports as its hostIP. */
  public static final String HOST_IP = "127.0.0.1";

  /** Image that runs the container's own command and args ({@link ContainerLauncher#localCommand()}). */
  public static final String LOCAL_COMMAND_IMAGE = "ferry.local/command";

  /** Label on every node this runtime registers. */
  public static final String NODE_LABEL = "ferry.dev/local-pod-runtime";

  private static final String LEASE_NAMESPACE = "kube-node-lease";
  private static final Set<String> PREFIXES_IN_USE = ConcurrentHashMap.newKeySet();

  private final KubernetesClient client;
  private final List<String> nodeNames;
  private final String prefix;
  private final Map<String, ContainerLauncher> launchers;
  private final Path logDir;
  private final AddressPool addresses;
  private final Duration heartbeatInterval;
  private final Duration restartBackoff;
  private final Duration closeGrace;
  private final Builder settings;
  private final EnvResolver envResolver;
  private final HttpClient http;
  private final ScheduledExecutorService timer;
  private final ExecutorService workers;
  private final Map<String, PodSandbox> sandboxes = new ConcurrentHashMap<>(); // by uid
  private final Set<String> finishedUids = ConcurrentHashMap.newKeySet();
  private final List<ContainerExit> exits = new CopyOnWriteArrayList<>();
  private final List<SharedIndexInformer<Pod>> informers = new ArrayList<>();
  private final Thread shutdownHook;
  private final String registeredAt;
  private volatile boolean closed;

  private LocalPodRuntime(Builder b) {
    this.client = b.client;
    this.settings = b;
    this.prefix = b.nodeNamePrefix;
    this.launchers = Map.copyOf(b.launchers);
    this.logDir = b.logDir.toAbsolutePath();
    this.addresses = new AddressPool(b.firstAddress, b.addressCount);
    this.heartbeatInterval = b.heartbeatInterval;
    this.restartBackoff = b.restartBackoff;
    this.closeGrace = b.closeGrace;
    this.envResolver = new EnvResolver(client);
    // HTTPS probes as the kubelet runs them: the server's certificate is not verified.
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).sslContext(ProbeTls.trustingAnyServer()).build();
    ScheduledThreadPoolExecutor stpe =
        new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("local-pod-runtime-timer").daemon().factory());
    stpe.setRemoveOnCancelPolicy(true);
    this.timer = stpe;
    this.workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("local-pod-runtime-", 0).factory());
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= b.nodes; i++) {
      names.add(prefix + "-" + i);
    }
    this.nodeNames = List.copyOf(names);
    this.registeredAt = now();
    this.shutdownHook = new Thread(this::killAllAtExit, "local-pod-runtime-shutdown");
  }

  /** A runtime for the control plane's API server (admin client), logging under its run directory. */
  public static Builder builder(ControlPlane controlPlane) {
    return new Builder(controlPlane.adminClient())
        .logDir(controlPlane.settings().runDir().resolve("pods"))
        .kubeletVersion("v" + controlPlane.kubeVersion());
  }

  /** A runtime that uses {@code client} (which must be allowed to manage nodes, leases and pods). */
  public static Builder builder(KubernetesClient client) {
    return new Builder(client);
  }

  private LocalPodRuntime start() {
    if (!PREFIXES_IN_USE.add(prefix)) {
      throw new IllegalStateException(
          "Another LocalPodRuntime in this JVM already runs nodes named " + prefix + "-N; give this one another nodeNamePrefix");
    }
    try {
      Runtime.getRuntime().addShutdownHook(shutdownHook);
      for (String node : nodeNames) {
        registerNode(node);
      }
      heartbeat();
      timer.scheduleWithFixedDelay(
          () -> execute(this::heartbeat),
          heartbeatInterval.toMillis(),
          heartbeatInterval.toMillis(),
          TimeUnit.MILLISECONDS);
      for (String node : nodeNames) {
        informers.add(
            client
                .pods()
                .inAnyNamespace()
                .withField("spec.nodeName", node)
                .inform(new PodHandler(), settings.resync.toMillis()));
      }
      log.info(
          "LocalPodRuntime runs nodes {} (images: {}; pod logs in {})", nodeNames, launchers.keySet(), logDir);
      return this;
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  // ---------------------------------------------------------------- public API

  /** The names of the nodes this runtime registered. */
  public List<String> nodeNames() {
    return nodeNames;
  }

  /** The images this runtime can run, with their launchers. */
  public Map<String, ContainerLauncher> launchers() {
    return launchers;
  }

  /** Where the pods' output goes: {@code <logDir>/<namespace>_<pod>_<uid>/<container>.log}. */
  public Path logDirectory() {
    return logDir;
  }

  /** The log of the pod's first container (also after the pod is gone). */
  public Path logFile(Pod pod) {
    PodSandbox s = sandbox(pod);
    if (s != null) {
      return s.logFile(s.firstContainer());
    }
    return logFile(pod, pod.getSpec().getContainers().get(0).getName());
  }

  /** The log of one container of the pod (also after the pod is gone). */
  public Path logFile(Pod pod, String container) {
    PodSandbox s = sandbox(pod);
    if (s != null && s.logFile(container) != null) {
      return s.logFile(container);
    }
    return logFile(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), uid(pod), container);
  }

  /** The address the runtime gave the pod, while it runs here. */
  public Optional<String> podIP(Pod pod) {
    return Optional.ofNullable(sandbox(pod)).map(PodSandbox::podIP);
  }

  /** The running process of the pod's first container. */
  public Optional<ProcessHandle> process(Pod pod) {
    PodSandbox s = sandbox(pod);
    return s == null ? Optional.empty() : Optional.ofNullable(s.process(s.firstContainer()));
  }

  /** The running process of one container of the pod. */
  public Optional<ProcessHandle> process(Pod pod, String container) {
    PodSandbox s = sandbox(pod);
    return s == null ? Optional.empty() : Optional.ofNullable(s.process(container));
  }

  /** Every container exit of this pod seen so far, oldest first (kept after the pod is gone). */
  public List<ContainerExit> exits(Pod pod) {
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    String uid = pod.getMetadata().getUid();
    return exits.stream()
        .filter(e -> uid != null ? e.uid().equals(uid) : e.namespace().equals(ns) && e.pod().equals(name))
        .toList();
  }

  /**
   * Kills the pod's container processes with SIGKILL, as a crash or the OOM killer would: the
   * container is reported terminated with exit code 137, then restarted or not per the pod's
   * restartPolicy.
   */
  public void kill(Pod pod) {
    PodSandbox s = sandbox(pod);
    if (s == null) {
      throw new IllegalArgumentException(
          "Pod " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName() + " does not run on this runtime");
    }
    s.kill();
  }

  /** How many pods currently run here. */
  public int runningPods() {
    return (int) sandboxes.values().stream().filter(s -> !s.isFinished()).count();
  }

  /**
   * Stops every container (SIGTERM, SIGKILL after the pod's grace period capped by {@link
   * Builder#closeGrace}), deletes the pods bound to this runtime's nodes (grace period 0: their
   * node goes away, what the pod garbage collector would do), then the nodes. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    informers.forEach(
        i -> {
          try {
            i.stop();
          } catch (RuntimeException e) {
            log.debug("Stopping an informer failed", e);
          }
        });
    List<Future<?>> stops = new ArrayList<>();
    for (PodSandbox s : List.copyOf(sandboxes.values())) {
      if (!s.isFinished()) {
        stops.add(workers.submit(() -> s.terminate(false, closeGrace)));
      }
    }
    for (Future<?> f : stops) {
      try {
        f.get(closeGrace.toSeconds() + 40, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("Stopping a pod failed: {}", e.toString());
      }
    }
    killAllAtExit();
    for (String node : nodeNames) {
      try {
        client.pods().inAnyNamespace().withField("spec.nodeName", node).withGracePeriod(0).delete();
        // The Lease first: deleted after its owner, the garbage collector would race us for it.
        client.resources(Lease.class).inNamespace(LEASE_NAMESPACE).withName(node).delete();
        client.nodes().withName(node).delete();
      } catch (KubernetesClientException | IllegalStateException e) {
        log.debug("Cannot delete node {} and its pods (API server gone?): {}", node, e.getMessage());
      }
    }
    timer.shutdownNow();
    workers.shutdownNow();
    http.close();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway, harmlessly
    }
    PREFIXES_IN_USE.remove(prefix);
    log.info("LocalPodRuntime {} stopped", nodeNames);
  }

  // ---------------------------------------------------------------- for PodSandbox

  KubernetesClient client() {
    return client;
  }

  AddressPool addresses() {
    return addresses;
  }

  EnvResolver envResolver() {
    return envResolver;
  }

  HttpClient http() {
    return http;
  }

  ScheduledExecutorService timer() {
    return timer;
  }

  Duration closeGrace() {
    return closed ? closeGrace : null;
  }

  ContainerLauncher launcher(String image) {
    return image == null ? null : launchers.get(image);
  }

  void execute(Runnable task) {
    try {
      workers.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              log.warn("LocalPodRuntime task failed", e);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      log.debug("LocalPodRuntime is closed; task dropped");
    }
  }

  /** The kubelet's crash-loop back-off: the first restart at once, then initial, 2x, ... up to 5 min. */
  Duration restartDelay(int restartsSoFar) {
    if (restartsSoFar == 0) {
      return Duration.ZERO;
    }
    long ms = restartBackoff.toMillis() << Math.min(restartsSoFar - 1, 20);
    return Duration.ofMillis(Math.min(ms, Duration.ofMinutes(5).toMillis()));
  }

  void recordExit(ContainerExit exit) {
    exits.add(exit);
  }

  Path logFile(String namespace, String pod, String uid, String container) {
    String dir = namespace + "_" + pod + (uid == null ? "" : "_" + uid);
    return logDir.resolve(dir).resolve(container + ".log");
  }

  void deletePodObject(PodSandbox s) {
    try {
      Pod current = client.pods().inNamespace(s.namespace).withName(s.name).get();
      if (current != null && s.uid.equals(current.getMetadata().getUid())) {
        client.pods().inNamespace(s.namespace).withName(s.name).withGracePeriod(0).delete();
        log.info("Pod {}/{} deleted (containers stopped)", s.namespace, s.name);
      }
    } catch (KubernetesClientException e) {
      log.debug("Cannot delete pod {}/{}: {}", s.namespace, s.name, e.getMessage());
    }
  }

  void forget(PodSandbox s) {
    finishedUids.add(s.uid);
    sandboxes.remove(s.uid, s);
    addresses.release(s.podIP());
  }

  // ---------------------------------------------------------------- internals

  private PodSandbox sandbox(Pod pod) {
    String uid = pod.getMetadata().getUid();
    if (uid != null) {
      return sandboxes.get(uid);
    }
    return sandboxes.values().stream()
        .filter(s -> s.namespace.equals(pod.getMetadata().getNamespace()) && s.name.equals(pod.getMetadata().getName()))
        .findFirst()
        .orElse(null);
  }

  private String uid(Pod pod) {
    if (pod.getMetadata().getUid() != null) {
      return pod.getMetadata().getUid();
    }
    return exits.stream()
        .filter(e -> e.namespace().equals(pod.getMetadata().getNamespace()) && e.pod().equals(pod.getMetadata().getName()))
        .reduce((a, b) -> b)
        .map(ContainerExit::uid)
        .orElse(null);
  }

  private final class PodHandler implements ResourceEventHandler<Pod> {
    @Override
    public void onAdd(Pod pod) {
      seen(pod);
    }

    @Override
    public void onUpdate(Pod oldPod, Pod newPod) {
      seen(newPod);
    }

    @Override
    public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
      PodSandbox s = sandboxes.get(pod.getMetadata().getUid());
      if (s != null) {
        s.podDeleted();
      }
    }
  }

  private void seen(Pod pod) {
    if (closed) {
      return;
    }
    String uid = pod.getMetadata().getUid();
    if (finishedUids.contains(uid)) {
      return;
    }
    PodSandbox s = sandboxes.get(uid);
    if (s == null) {
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
        return; // terminal: a kubelet does not run it again
      }
      s = sandboxes.computeIfAbsent(uid, u -> new PodSandbox(this, pod));
    }
    PodSandbox sandbox = s;
    execute(() -> sandbox.sync(pod));
  }

  private void registerNode(String name) {
    Map<String, Quantity> resources = new LinkedHashMap<>();
    resources.put("cpu", new Quantity(settings.cpu));
    resources.put("memory", new Quantity(settings.memory));
    resources.put("pods", new Quantity(Integer.toString(settings.maxPods)));
    resources.put("ephemeral-storage", new Quantity("100Gi"));
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("kubernetes.io/hostname", name);
    labels.put("kubernetes.io/os", "linux");
    labels.put("kubernetes.io/arch", "amd64");
    labels.put(NODE_LABEL, "true");
    labels.putAll(settings.nodeLabels);
    Node node =
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .endSpec()
            .withNewStatus()
            .withCapacity(resources)
            .withAllocatable(resources)
            .withConditions(nodeConditions())
            .addNewAddress("127.0.0.1", "InternalIP")
            .addNewAddress(name, "Hostname")
            .withNewNodeInfo()
            .withArchitecture("amd64")
            .withOperatingSystem("linux")
            .withOsImage("Ferry LocalPodRuntime")
            .withKernelVersion(System.getProperty("os.version"))
            .withContainerRuntimeVersion("ferry-local://0.1")
            .withKubeletVersion(settings.kubeletVersion)
            .withKubeProxyVersion("")
            .withMachineID(UUID.nameUUIDFromBytes(name.getBytes()).toString().replace("-", ""))
            .withSystemUUID(UUID.nameUUIDFromBytes(name.getBytes()).toString())
            .withBootID(UUID.randomUUID().toString())
            .endNodeInfo()
            .endStatus()
            .build();
    try {
      Node created = client.nodes().resource(node).create();
      // The status given on create is kept for nodes, but write it through the status subresource
      // as well, as the kubelet does after registering.
      client.nodes().withName(name).subresource("status").patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
          Serialization.asJson(Map.of("status", node.getStatus())));
      log.debug("Registered node {} (uid {})", name, created.getMetadata().getUid());
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        throw new IllegalStateException(
            "Node " + name + " already exists: is another LocalPodRuntime with prefix '" + prefix + "' running?", e);
      }
      throw e;
    }
  }

  private List<NodeCondition> nodeConditions() {
    String now = now();
    List<NodeCondition> list = new ArrayList<>();
    list.add(nodeCondition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now));
    list.add(nodeCondition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now));
    list.add(nodeCondition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now));
    list.add(nodeCondition("Ready", "True", "KubeletReady", "LocalPodRuntime is posting ready status", now));
    return list;
  }

  private NodeCondition nodeCondition(String type, String status, String reason, String message, String heartbeat) {
    return new NodeConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withLastHeartbeatTime(heartbeat)
        .withLastTransitionTime(registeredAt)
        .build();
  }

  /** Renews each node's Lease and patches its status conditions (never its spec). */
  private void heartbeat() {
    if (closed) {
      return;
    }
    for (String name : nodeNames) {
      try {
        renewLease(name);
        client.nodes().withName(name).subresource("status").patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
            Serialization.asJson(Map.of("status", Map.of("conditions", nodeConditions()))));
      } catch (KubernetesClientException e) {
        if (!closed) {
          log.warn("Heartbeat of node {} failed: {}", name, e.getMessage());
        }
      }
    }
  }

  private void renewLease(String node) {
    ZonedDateTime renew = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    var leases = client.resources(Lease.class).inNamespace(LEASE_NAMESPACE);
    Lease existing = leases.withName(node).get();
    if (existing == null) {
      Node n = client.nodes().withName(node).get();
      LeaseBuilder lb = new LeaseBuilder()
          .withNewMetadata()
          .withName(node)
          .withNamespace(LEASE_NAMESPACE)
          .endMetadata()
          .withNewSpec()
          .withHolderIdentity(node)
          .withLeaseDurationSeconds(40)
          .withRenewTime(renew)
          .endSpec();
      if (n != null) {
        lb.editMetadata().addNewOwnerReference().withApiVersion("v1").withKind("Node").withName(node)
            .withUid(n.getMetadata().getUid()).endOwnerReference().endMetadata();
      }
      leases.resource(lb.build()).create();
    } else {
      existing.getSpec().setRenewTime(renew);
      leases.resource(existing).update();
    }
  }

  /** Last resort (shutdown hook, end of close): no process this runtime started outlives the JVM. */
  private void killAllAtExit() {
    List<ProcessHandle> alive = new ArrayList<>();
    for (PodSandbox s : sandboxes.values()) {
      for (var c : List.copyOf(s.logFileContainers())) {
        ProcessHandle p = s.process(c);
        if (p != null) {
          alive.add(p);
        }
      }
    }
    alive.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    for (ProcessHandle p : alive) {
      try {
        p.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        p.destroyForcibly();
      }
    }
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** Settings of a {@link LocalPodRuntime}; {@link #build()} registers the nodes and starts watching. */
  public static final class Builder {
    private final KubernetesClient client;
    private int nodes = 1;
    private String nodeNamePrefix = "ferry-node";
    private final Map<String, String> nodeLabels = new LinkedHashMap<>();
    private String cpu = "8";
    private String memory = "16Gi";
    private int maxPods = 110;
    private final Map<String, ContainerLauncher> launchers = new LinkedHashMap<>();
    private Path logDir = Path.of("target", "local-pods");
    private String firstAddress = "127.0.0.2";
    private int addressCount = 253;
    private Duration heartbeatInterval = Duration.ofSeconds(10);
    private Duration restartBackoff = Duration.ofSeconds(10);
    private Duration closeGrace = Duration.ofSeconds(10);
    private Duration resync = Duration.ofSeconds(5);
    private String kubeletVersion = "v0.0.0-ferry-local";

    private Builder(KubernetesClient client) {
      this.client = Objects.requireNonNull(client);
      launchers.put(LOCAL_COMMAND_IMAGE, ContainerLauncher.localCommand());
    }

    /** How many nodes to register (default 1). */
    public Builder nodes(int count) {
      if (count < 1) {
        throw new IllegalArgumentException("at least one node");
      }
      this.nodes = count;
      return this;
    }

    /** Nodes are named {@code <prefix>-1..N} (default {@code ferry-node}). */
    public Builder nodeNamePrefix(String prefix) {
      this.nodeNamePrefix = Objects.requireNonNull(prefix);
      return this;
    }

    /** Extra labels on every node. */
    public Builder nodeLabels(Map<String, String> labels) {
      this.nodeLabels.putAll(labels);
      return this;
    }

    /** Capacity (= allocatable) of each node; default 8 cpu, 16Gi, 110 pods. */
    public Builder capacity(String cpu, String memory, int pods) {
      this.cpu = cpu;
      this.memory = memory;
      this.maxPods = pods;
      return this;
    }

    /** Runs containers with this image through {@code launcher}. */
    public Builder launcher(String image, ContainerLauncher launcher) {
      launchers.put(Objects.requireNonNull(image), Objects.requireNonNull(launcher));
      return this;
    }

    /**
     * Runs {@link ReferenceServerLauncher#DEFAULT_IMAGE} with the reference server's runnable jar
     * from the build; fails with instructions when the jar is missing.
     */
    public Builder referenceServer() {
      return referenceServer(ReferenceServerLauncher.DEFAULT_IMAGE);
    }

    /** Runs containers with {@code image} as the reference server (jar from the build). */
    public Builder referenceServer(String image) {
      return launcher(image, ReferenceServerLauncher.fromBuild());
    }

    /** Where pod logs go (default {@code target/local-pods}; the control plane's run dir + /pods). */
    public Builder logDir(Path dir) {
      this.logDir = Objects.requireNonNull(dir);
      return this;
    }

    /** The pool of pod addresses: {@code count} addresses from {@code first} (default 127.0.0.2, 253). */
    public Builder addresses(String first, int count) {
      new AddressPool(first, count); // validates
      this.firstAddress = first;
      this.addressCount = count;
      return this;
    }

    /** How often node Leases and status are renewed (default 10 s, as the kubelet). */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval = interval;
      return this;
    }

    /** First crash-loop back-off (default 10 s as the kubelet; doubles up to 5 min). */
    public Builder restartBackoff(Duration initial) {
      this.restartBackoff = initial;
      return this;
    }

    /** At {@link #close()}, the most a pod gets to stop before SIGKILL (default 10 s). */
    public Builder closeGrace(Duration grace) {
      this.closeGrace = grace;
      return this;
    }

    /** How often every pod is looked at again, e.g. to retry a missing Secret (default 5 s). */
    public Builder resync(Duration period) {
      this.resync = period;
      return this;
    }

    /** The kubelet version the nodes report. */
    public Builder kubeletVersion(String version) {
      this.kubeletVersion = version;
      return this;
    }

    /** Registers the nodes and starts running the pods bound to them. */
    public LocalPodRuntime build() {
      return new LocalPodRuntime(this).start();
    }
  }

  /** For tests of the runtime itself: the addresses currently handed out. */
  int addressesInUse() {
    return addresses.inUse();
  }
}
