package dev.ferry.controlplane.runtime;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodReadinessGate;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One pod on a node of a {@link LocalPodRuntime}: its address, its container processes, its status. */
final class PodSandbox {

  private static final Logger log = LoggerFactory.getLogger(PodSandbox.class);

  /** The kubelet never gives a container less than this to stop (minimumGracePeriodInSeconds). */
  static final long MINIMUM_GRACE_SECONDS = 2;

  /** Sub-states of one container, what a ContainerStatus reports. */
  final class ContainerRun {
    final Container spec;
    final Path logFile;
    Process process;
    Instant startedAt;
    int restartCount;
    boolean ready;
    int readySuccesses;
    int readyFailures;
    int liveFailures;
    ContainerStatusTerminated terminated;
    ContainerStatusTerminated lastTerminated;
    String waitingReason = "ContainerCreating";
    String waitingMessage;
    boolean everStarted;
    final List<ScheduledFuture<?>> timers = new ArrayList<>();

    ContainerRun(Container spec) {
      this.spec = spec;
      this.logFile = runtime.logFile(namespace, name, uid, spec.getName());
    }

    void cancelTimers() {
      timers.forEach(f -> f.cancel(false));
      timers.clear();
    }
  }

  /** A terminated state, kept as values (the status is rebuilt from these). */
  record ContainerStatusTerminated(int exitCode, String reason, Instant startedAt, Instant finishedAt, long pid) {}

  private final LocalPodRuntime runtime;
  final String namespace;
  final String name;
  final String uid;
  final String nodeName;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, ContainerRun> containers = new LinkedHashMap<>();
  private final Map<String, String[]> conditions = new LinkedHashMap<>(); // type -> {status, lastTransitionTime}
  private volatile Pod pod;
  private String podIP;
  private Instant startTime;
  private boolean terminating;
  private boolean terminateStarted;
  private final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
  private boolean finished;
  private String terminalPhase;
  private String lastPublished;

  PodSandbox(LocalPodRuntime runtime, Pod pod) {
    this.runtime = runtime;
    this.pod = pod;
    this.namespace = pod.getMetadata().getNamespace();
    this.name = pod.getMetadata().getName();
    this.uid = pod.getMetadata().getUid();
    this.nodeName = pod.getSpec().getNodeName();
    for (Container c : pod.getSpec().getContainers()) {
      containers.put(c.getName(), new ContainerRun(c));
    }
  }

  String podIP() {
    return podIP;
  }

  boolean isFinished() {
    lock.lock();
    try {
      return finished;
    } finally {
      lock.unlock();
    }
  }

  Path logFile(String container) {
    ContainerRun run = containers.get(container);
    return run == null ? null : run.logFile;
  }

  ProcessHandle process(String container) {
    lock.lock();
    try {
      ContainerRun run = containers.get(container);
      return run == null || run.process == null || !run.process.isAlive() ? null : run.process.toHandle();
    } finally {
      lock.unlock();
    }
  }

  List<String> logFileContainers() {
    return List.copyOf(containers.keySet());
  }

  String firstContainer() {
    return containers.keySet().iterator().next();
  }

  /** The informer saw the pod (added, updated or resynced). */
  void sync(Pod latest) {
    lock.lock();
    try {
      if (isNewer(latest, pod)) {
        pod = latest;
      }
      latest = pod;
      if (finished || terminating) {
        return;
      }
      if (latest.getMetadata().getDeletionTimestamp() != null) {
        terminating = true;
        runtime.execute(() -> terminate(false, runtime.closeGrace()));
        return;
      }
      if (podIP == null) {
        start();
      } else {
        for (ContainerRun run : containers.values()) {
          if (run.process == null && run.waitingReason != null && !"CrashLoopBackOff".equals(run.waitingReason)
              && !run.everStarted) {
            startContainer(run); // retry: a Secret or ConfigMap may exist by now
          }
        }
      }
      publish();
    } finally {
      lock.unlock();
    }
  }

  /** The pod object is gone (force-deleted, or by our own final delete). */
  void podDeleted() {
    lock.lock();
    try {
      if (finished || terminating) {
        return;
      }
      terminating = true;
    } finally {
      lock.unlock();
    }
    runtime.execute(() -> terminate(true, runtime.closeGrace()));
  }

  private void start() {
    Set<Integer> ports = new LinkedHashSet<>();
    for (Container c : pod.getSpec().getContainers()) {
      if (c.getPorts() != null) {
        c.getPorts().stream().map(ContainerPort::getContainerPort).filter(Objects::nonNull).forEach(ports::add);
      }
    }
    podIP = runtime.addresses().acquire(ports);
    if (podIP == null) {
      containers.values().forEach(r -> {
        r.waitingReason = "ContainerCreating";
        r.waitingMessage = "no free loopback address left in the LocalPodRuntime pool";
      });
      log.warn("No free address for pod {}/{}", namespace, name);
      return;
    }
    startTime = Instant.now();
    log.info("Pod {}/{} on {} gets address {}", namespace, name, nodeName, podIP);
    if (pod.getSpec().getInitContainers() != null && !pod.getSpec().getInitContainers().isEmpty()) {
      log.warn("Pod {}/{}: init containers are not run by LocalPodRuntime", namespace, name);
    }
    for (ContainerRun run : containers.values()) {
      startContainer(run);
    }
  }

  private void startContainer(ContainerRun run) {
    Container c = run.spec;
    ContainerLauncher launcher = runtime.launcher(c.getImage());
    if (launcher == null) {
      run.waitingReason = "ErrImagePull";
      run.waitingMessage = "LocalPodRuntime has no launcher for image " + c.getImage();
      return;
    }
    Map<String, String> env;
    try {
      List<SecretVolumes.Mount> mounts = SecretVolumes.project(runtime.client(), pod, c, run.logFile.getParent());
      env = SecretVolumes.rewrite(runtime.envResolver().resolve(pod, c, podIP, LocalPodRuntime.HOST_IP), mounts);
    } catch (EnvResolver.ConfigError e) {
      run.waitingReason = "CreateContainerConfigError";
      run.waitingMessage = e.getMessage();
      return;
    } catch (KubernetesClientException | java.io.UncheckedIOException e) {
      run.waitingReason = "CreateContainerConfigError";
      run.waitingMessage = e.getMessage();
      return;
    }
    ContainerContext context = new ContainerContext(pod, c, podIP, env, run.logFile, run.restartCount);
    try {
      ProcessBuilder pb = launcher.processBuilder(context);
      Files.createDirectories(run.logFile.getParent());
      appendLog(run, "starting container " + c.getName() + " (image " + c.getImage() + ", restart " + run.restartCount
          + ") on " + podIP + ": " + String.join(" ", pb.command()));
      pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(run.logFile.toFile()));
      Process process = pb.start();
      run.process = process;
      run.startedAt = Instant.now();
      run.everStarted = true;
      run.terminated = null;
      run.waitingReason = null;
      run.waitingMessage = null;
      run.ready = c.getReadinessProbe() == null;
      run.readySuccesses = 0;
      run.readyFailures = 0;
      run.liveFailures = 0;
      log.info("Pod {}/{}: container {} started (pid {})", namespace, name, c.getName(), process.pid());
      process.onExit().thenRun(() -> runtime.execute(() -> exited(run, process)));
      scheduleProbe(run, process, c.getReadinessProbe(), true);
      scheduleProbe(run, process, c.getLivenessProbe(), false);
    } catch (IOException | RuntimeException e) {
      run.waitingReason = "RunContainerError";
      run.waitingMessage = e.getMessage();
      log.warn("Pod {}/{}: cannot start container {}: {}", namespace, name, c.getName(), e.toString());
    }
  }

  private void scheduleProbe(ContainerRun run, Process process, Probe probe, boolean readiness) {
    if (probe == null) {
      return;
    }
    long period = Math.max(1, Probes.orDefault(probe.getPeriodSeconds(), 10));
    long delay = Math.max(0, Probes.orDefault(probe.getInitialDelaySeconds(), 0));
    AtomicBoolean busy = new AtomicBoolean();
    Runnable tick =
        () -> {
          if (busy.compareAndSet(false, true)) {
            runtime.execute(
                () -> {
                  try {
                    boolean ok = Probes.run(runtime.http(), probe, run.spec, podIP);
                    probed(run, process, probe, readiness, ok);
                  } finally {
                    busy.set(false);
                  }
                });
          }
        };
    // The first probe comes soon after the start, as the kubelet's prober does; then every period.
    run.timers.add(
        runtime.timer().scheduleWithFixedDelay(tick, Math.max(delay * 1000, 200), period * 1000, TimeUnit.MILLISECONDS));
  }

  private void probed(ContainerRun run, Process process, Probe probe, boolean readiness, boolean ok) {
    lock.lock();
    try {
      if (run.process != process || terminating || finished) {
        return;
      }
      if (readiness) {
        if (ok) {
          run.readySuccesses++;
          run.readyFailures = 0;
          if (!run.ready && run.readySuccesses >= Probes.orDefault(probe.getSuccessThreshold(), 1)) {
            run.ready = true;
            log.info("Pod {}/{}: container {} is ready", namespace, name, run.spec.getName());
          }
        } else {
          run.readyFailures++;
          run.readySuccesses = 0;
          if (run.ready && run.readyFailures >= Probes.orDefault(probe.getFailureThreshold(), 3)) {
            run.ready = false;
            log.info("Pod {}/{}: container {} is not ready (readiness probe failed {} times)", namespace, name,
                run.spec.getName(), run.readyFailures);
          }
        }
        publish();
      } else if (ok) {
        run.liveFailures = 0;
      } else if (++run.liveFailures >= Probes.orDefault(probe.getFailureThreshold(), 3)) {
        run.liveFailures = 0;
        long grace = Math.max(MINIMUM_GRACE_SECONDS, gracePeriodSeconds(probe.getTerminationGracePeriodSeconds()));
        appendLog(run, "liveness probe failed; stopping container " + run.spec.getName() + " (SIGTERM, grace " + grace + " s)");
        log.info("Pod {}/{}: container {} failed its liveness probe, restarting it", namespace, name, run.spec.getName());
        process.destroy();
        runtime.timer().schedule(() -> { if (process.isAlive()) process.destroyForcibly(); }, grace, TimeUnit.SECONDS);
      }
    } finally {
      lock.unlock();
    }
  }

  /** A container process ended, on its own, by {@link #kill()}, or by a termination. */
  private void exited(ContainerRun run, Process process) {
    lock.lock();
    try {
      if (run.process != process) {
        return;
      }
      int code = process.exitValue();
      run.process = null;
      run.ready = false;
      run.cancelTimers();
      Instant now = Instant.now();
      run.terminated =
          new ContainerStatusTerminated(code, code == 0 ? "Completed" : "Error", run.startedAt, now, process.pid());
      runtime.recordExit(
          new ContainerExit(namespace, name, uid, run.spec.getName(), code, run.terminated.reason(), now, run.restartCount));
      appendLog(run, "container " + run.spec.getName() + " exited with code " + code + describeSignal(code));
      log.info("Pod {}/{}: container {} exited with code {}", namespace, name, run.spec.getName(), code);
      if (!terminating && !finished && restarts(code)) {
        long delay = runtime.restartDelay(run.restartCount).toMillis();
        if (delay > 0) {
          run.waitingReason = "CrashLoopBackOff";
          run.waitingMessage = "back-off " + Duration.ofMillis(delay).toSeconds() + "s restarting failed container="
              + run.spec.getName() + " pod=" + name + "_" + namespace + "(" + uid + ")";
        }
        runtime.timer().schedule(() -> runtime.execute(() -> restart(run)), delay, TimeUnit.MILLISECONDS);
      }
      publish();
    } finally {
      lock.unlock();
    }
  }

  private boolean restarts(int exitCode) {
    String policy = Objects.requireNonNullElse(pod.getSpec().getRestartPolicy(), "Always");
    return policy.equals("Always") || (policy.equals("OnFailure") && exitCode != 0);
  }

  private void restart(ContainerRun run) {
    lock.lock();
    try {
      if (terminating || finished || run.process != null) {
        return;
      }
      run.lastTerminated = run.terminated;
      run.restartCount++;
      startContainer(run);
      publish();
    } finally {
      lock.unlock();
    }
  }

  /** SIGKILL to every running container process, as an OOM kill or a crash would end it. */
  void kill() {
    lock.lock();
    try {
      for (ContainerRun run : containers.values()) {
        if (run.process != null && run.process.isAlive()) {
          appendLog(run, "killing container " + run.spec.getName() + " with SIGKILL (LocalPodRuntime.kill)");
          run.process.destroyForcibly();
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * What the kubelet does for a deleted pod: SIGTERM to each container, SIGKILL after the grace
   * period, report the final status, then delete the pod object with grace period 0.
   *
   * @param podGone the pod object is already gone: no status, no delete
   * @param cap upper bound on the grace period (when the runtime is closing), or null
   */
  void terminate(boolean podGone, Duration cap) {
    boolean alreadyStarted;
    lock.lock();
    try {
      alreadyStarted = terminateStarted;
      terminateStarted = true;
    } finally {
      lock.unlock();
    }
    if (alreadyStarted) {
      try {
        // Another caller (a deletion, then close) is already at it: wait for it to finish.
        done.await(cap == null ? 600 : cap.toSeconds() + 40, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    List<ContainerRun> running = new ArrayList<>();
    long grace;
    lock.lock();
    try {
      terminating = true;
      Pod p = pod;
      Long fromDelete = p.getMetadata().getDeletionGracePeriodSeconds();
      grace = Math.max(MINIMUM_GRACE_SECONDS, fromDelete != null ? fromDelete : gracePeriodSeconds(null));
      if (cap != null) {
        grace = Math.min(grace, Math.max(1, cap.toSeconds()));
      }
      for (ContainerRun run : containers.values()) {
        run.cancelTimers();
        if (run.process != null && run.process.isAlive()) {
          running.add(run);
          appendLog(run, "stopping container " + run.spec.getName() + " with SIGTERM (grace period " + grace + " s)");
          run.process.destroy();
        }
      }
    } finally {
      lock.unlock();
    }
    if (!running.isEmpty()) {
      log.info("Pod {}/{}: stopping {} container(s) with SIGTERM, grace period {} s", namespace, name, running.size(), grace);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(grace);
    for (ContainerRun run : running) {
      Process process = run.process;
      if (process == null) {
        continue;
      }
      try {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !process.waitFor(left, TimeUnit.NANOSECONDS)) {
          appendLog(run, "grace period over: killing container " + run.spec.getName() + " with SIGKILL");
          log.info("Pod {}/{}: container {} outlived its grace period, SIGKILL", namespace, name, run.spec.getName());
          process.destroyForcibly();
          process.waitFor(30, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      exited(run, process);
    }
    lock.lock();
    try {
      finished = true;
      boolean allSucceeded = containers.values().stream()
          .allMatch(r -> r.terminated != null && r.terminated.exitCode() == 0);
      terminalPhase = allSucceeded ? "Succeeded" : "Failed";
      if (!podGone && podIP != null) {
        publish();
      }
    } finally {
      lock.unlock();
    }
    if (!podGone) {
      runtime.deletePodObject(this);
    }
    runtime.forget(this);
    done.countDown();
  }

  /** Whether {@code a} is a later version of the pod than {@code b} (resourceVersions are etcd revisions). */
  private static boolean isNewer(Pod a, Pod b) {
    try {
      return Long.parseLong(a.getMetadata().getResourceVersion()) >= Long.parseLong(b.getMetadata().getResourceVersion());
    } catch (NumberFormatException | NullPointerException e) {
      return true;
    }
  }

  private long gracePeriodSeconds(Long probeLevel) {
    if (probeLevel != null) {
      return probeLevel;
    }
    Long spec = pod.getSpec().getTerminationGracePeriodSeconds();
    return spec != null ? spec : 30;
  }

  /** Patches pods/status (strategic merge) when what the pod's status says has changed. */
  private void publish() {
    if (podIP == null && terminalPhase == null) {
      return;
    }
    PodStatus status = buildStatus();
    String json = Serialization.asJson(Map.of("status", status));
    if (json.equals(lastPublished)) {
      return;
    }
    try {
      runtime
          .client()
          .pods()
          .inNamespace(namespace)
          .withName(name)
          .subresource("status")
          .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), json);
      lastPublished = json;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        log.debug("Pod {}/{} is gone; status not written", namespace, name);
      } else {
        log.warn("Pod {}/{}: cannot write status: {}", namespace, name, e.getMessage());
      }
    }
  }

  private PodStatus buildStatus() {
    List<ContainerStatus> statuses = new ArrayList<>();
    int neverStarted = 0;
    int active = 0;
    boolean allReady = true;
    for (ContainerRun run : containers.values()) {
      ContainerStatusBuilder b =
          new ContainerStatusBuilder()
              .withName(run.spec.getName())
              .withImage(run.spec.getImage())
              .withImageID("ferry-local://" + run.spec.getImage())
              .withRestartCount(run.restartCount)
              .withReady(run.ready && run.process != null);
      ContainerStatusTerminated last;
      if (run.process != null) {
        active++;
        last = run.lastTerminated;
        b.withContainerID("ferry-local://" + run.process.pid())
            .withStarted(true)
            .withState(new ContainerStateBuilder().withNewRunning().withStartedAt(time(run.startedAt)).endRunning().build());
      } else if (run.terminated != null && run.waitingReason == null) {
        last = run.lastTerminated;
        b.withContainerID("ferry-local://" + run.terminated.pid()).withStarted(false).withState(terminatedState(run.terminated));
        if (!terminating && !finished && restarts(run.terminated.exitCode())) {
          active++; // about to be restarted
        }
      } else {
        last = run.terminated != null ? run.terminated : run.lastTerminated;
        if (run.everStarted) {
          active++;
        } else {
          neverStarted++;
        }
        b.withStarted(false)
            .withState(new ContainerStateBuilder().withNewWaiting().withReason(run.waitingReason)
                .withMessage(run.waitingMessage).endWaiting().build());
      }
      if (last != null) {
        b.withLastState(terminatedState(last));
      }
      allReady &= run.ready && run.process != null;
      statuses.add(b.build());
    }
    String phase;
    if (terminalPhase != null) {
      phase = terminalPhase;
    } else if (neverStarted > 0) {
      phase = "Pending";
    } else if (active > 0) {
      phase = "Running";
    } else {
      phase = containers.values().stream().allMatch(r -> r.terminated != null && r.terminated.exitCode() == 0)
          ? "Succeeded" : "Failed";
    }
    boolean gatesOpen = true;
    if (pod.getSpec().getReadinessGates() != null) {
      for (PodReadinessGate gate : pod.getSpec().getReadinessGates()) {
        gatesOpen &= pod.getStatus() != null && pod.getStatus().getConditions() != null
            && pod.getStatus().getConditions().stream()
                .anyMatch(c -> gate.getConditionType().equals(c.getType()) && "True".equals(c.getStatus()));
      }
    }
    boolean running = terminalPhase == null;
    List<PodCondition> conds = new ArrayList<>();
    boolean scheduledKnown = pod.getStatus() != null && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream().anyMatch(c -> "PodScheduled".equals(c.getType()));
    if (!scheduledKnown) {
      conds.add(condition("PodScheduled", true, null));
    }
    conds.add(condition("PodReadyToStartContainers", running && podIP != null, null));
    conds.add(condition("Initialized", true, null));
    boolean containersReady = allReady && running;
    conds.add(condition("ContainersReady", containersReady, containersReady ? null : "ContainersNotReady"));
    boolean ready = containersReady && gatesOpen;
    conds.add(condition("Ready", ready, ready ? null : containersReady ? "ReadinessGatesNotReady" : "ContainersNotReady"));
    PodStatusBuilder s =
        new PodStatusBuilder()
            .withPhase(phase)
            .withHostIP(LocalPodRuntime.HOST_IP)
            .addNewHostIP(LocalPodRuntime.HOST_IP)
            .withConditions(conds)
            .withContainerStatuses(statuses);
    if (podIP != null) {
      s.withPodIP(podIP).addNewPodIP(podIP);
    }
    if (startTime != null) {
      s.withStartTime(time(startTime));
    }
    return s.build();
  }

  private PodCondition condition(String type, boolean value, String reason) {
    String status = value ? "True" : "False";
    String[] previous = conditions.get(type);
    if (previous == null || !previous[0].equals(status)) {
      previous = new String[] {status, time(Instant.now())};
      conditions.put(type, previous);
    }
    return new PodConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withLastTransitionTime(previous[1])
        .build();
  }

  private static ContainerState terminatedState(ContainerStatusTerminated t) {
    return new ContainerStateBuilder()
        .withNewTerminated()
        .withExitCode(t.exitCode())
        .withReason(t.reason())
        .withStartedAt(t.startedAt() == null ? null : time(t.startedAt()))
        .withFinishedAt(time(t.finishedAt()))
        .withContainerID("ferry-local://" + t.pid())
        .endTerminated()
        .build();
  }

  private static String time(Instant t) {
    return t.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static String describeSignal(int code) {
    return switch (code) {
      case 137 -> " (SIGKILL)";
      case 143 -> " (SIGTERM)";
      default -> code > 128 && code < 193 ? " (signal " + (code - 128) + ")" : "";
    };
  }

  private void appendLog(ContainerRun run, String line) {
    try {
      Files.createDirectories(run.logFile.getParent());
      Files.writeString(run.logFile, "[local-pod-runtime " + Instant.now() + "] " + line + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      log.debug("Cannot write to {}", run.logFile, e);
    }
  }
}
