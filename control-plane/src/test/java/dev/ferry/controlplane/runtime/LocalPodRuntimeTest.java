package dev.ferry.controlplane.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.controlplane.ControlPlane;
import dev.ferry.controlplane.WithControlPlane;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * LocalPodRuntime against the real API server, scheduler and controller manager, with the real
 * reference server jar: what a kubelet would do, checked through the API.
 */
@WithControlPlane(controllerManager = true, scheduler = true)
class LocalPodRuntimeTest {

  private static final Duration START = Duration.ofSeconds(120);
  private static final Duration GONE = Duration.ofSeconds(90);
  private static final String NODE_1 = "lpr-node-1";
  private static final String NODE_2 = "lpr-node-2";

  private static LocalPodRuntime runtime;

  @BeforeAll
  static void startRuntime(ControlPlane cp, KubernetesClient client) {
    runtime =
        LocalPodRuntime.builder(cp)
            .nodes(2)
            .nodeNamePrefix("lpr-node")
            .referenceServer() // fails with "mvn -pl server-image install" when the jar is missing
            .heartbeatInterval(Duration.ofSeconds(2))
            .restartBackoff(Duration.ofSeconds(1))
            .build();
    // The ServiceAccount admission plugin wants the namespace's "default" ServiceAccount.
    await("default ServiceAccount").atMost(START).until(() -> client.serviceAccounts().withName("default").get() != null);
    client
        .secrets()
        .resource(new SecretBuilder().withNewMetadata().withName("admin-token").endMetadata()
            .addToStringData("token", "test-admin-token").build())
        .create();
  }

  @AfterAll
  static void stopRuntime() {
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void scheduledPodRunsBecomesReadyAndServesOnItsOwnLoopbackAddress(KubernetesClient client) throws Exception {
    Pod pod = client.pods().resource(serverPod("ref-serving", "Always")).create();
    assertThat(pod.getSpec().getNodeName()).as("created without a node").isNull();

    Pod ready = awaitPod(client, "ref-serving", "Ready", LocalPodRuntimeTest::isReady);

    assertThat(ready.getSpec().getNodeName()).as("bound by kube-scheduler").isIn(runtime.nodeNames());
    String ip = ready.getStatus().getPodIP();
    assertThat(ip).matches("127\\.0\\.0\\.\\d+").isNotEqualTo("127.0.0.1");
    assertThat(ready.getStatus().getPodIPs()).extracting(p -> p.getIp()).containsExactly(ip);
    assertThat(ready.getStatus().getHostIP()).isEqualTo("127.0.0.1");
    assertThat(ready.getStatus().getPhase()).isEqualTo("Running");
    assertThat(ready.getStatus().getStartTime()).isNotNull();
    assertThat(ready.getStatus().getConditions())
        .filteredOn(c -> List.of("PodScheduled", "Initialized", "ContainersReady", "Ready").contains(c.getType()))
        .hasSize(4)
        .allSatisfy(c -> assertThat(c.getStatus()).isEqualTo("True"));
    ContainerStatus cs = ready.getStatus().getContainerStatuses().get(0);
    assertThat(cs.getReady()).isTrue();
    assertThat(cs.getRestartCount()).isZero();
    assertThat(cs.getState().getRunning().getStartedAt()).isNotNull();
    assertThat(runtime.podIP(ready)).contains(ip);

    try (FerryClient ferry = FerryClient.create(ClientOptions.builder().serviceAddress(ip + ":7000").build());
        FerrySession session = ferry.connect()) {
      assertThat(session.execute("WHOAMI").firstText()).startsWith("pod=ref-serving ");
    }
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> live = http.send(
          HttpRequest.newBuilder(URI.create("http://" + ip + ":7001/healthz/live")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(live.statusCode()).isEqualTo(200);
    }
    assertThat(Files.readString(runtime.logFile(ready))).contains("FERRY READY name=ref-serving address=" + ip + ":7000");

    deleteAndAwaitGone(client, "ref-serving");
  }

  @Test
  void deletionSendsSigtermTheServerStopsGracefullyAndThePodObjectGoes(KubernetesClient client) throws IOException {
    Pod pod = client.pods().resource(serverPod("ref-deleted", "Always")).create();
    Pod ready = awaitPod(client, "ref-deleted", "Ready", LocalPodRuntimeTest::isReady);
    ProcessHandle process = runtime.process(ready).orElseThrow();

    client.pods().withName("ref-deleted").delete();

    await("pod object deleted by the runtime").atMost(GONE).until(() -> client.pods().withName("ref-deleted").get() == null);
    assertThat(process.isAlive()).isFalse();
    List<ContainerExit> exits = runtime.exits(ready);
    assertThat(exits).hasSize(1);
    // The JVM ends through its shutdown hook after SIGTERM: 128 + 15.
    assertThat(exits.get(0).exitCode()).isEqualTo(143);
    assertThat(exits.get(0).signal()).isEqualTo(15);
    String log = Files.readString(runtime.logFile(pod));
    assertThat(log).contains("stopping container server with SIGTERM").contains("ref-deleted stopped")
        .doesNotContain("SIGKILL");
    assertThat(runtime.podIP(ready)).isEmpty();
  }

  @Test
  void cordonedNodeGetsNoNewPodsAndTheHeartbeatKeepsTheCordon(KubernetesClient client) {
    client.nodes().withName(NODE_1).edit(n -> {
      n.getSpec().setUnschedulable(true);
      return n;
    });
    try {
      String before = lease(client, NODE_1).getSpec().getRenewTime().toString();
      List<String> names = createCommandPods(client, "cordon", 4);
      List<Pod> pods = awaitAllBound(client, names);
      assertThat(pods).extracting(p -> p.getSpec().getNodeName()).containsOnly(NODE_2);
      await("a heartbeat after the cordon").atMost(START)
          .until(() -> !lease(client, NODE_1).getSpec().getRenewTime().toString().equals(before));
      Node node = client.nodes().withName(NODE_1).get();
      assertThat(node.getSpec().getUnschedulable()).isTrue();
      assertThat(node.getStatus().getConditions()).anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
      names.forEach(n -> awaitPod(client, n, "Running", p -> "Running".equals(phase(p))));
      names.forEach(n -> client.pods().withName(n).delete());
    } finally {
      client.nodes().withName(NODE_1).edit(n -> {
        n.getSpec().setUnschedulable(null);
        return n;
      });
    }
  }

  @Test
  void noScheduleTaintedNodeGetsNoNewPods(KubernetesClient client) {
    client.nodes().withName(NODE_2).edit(n -> {
      n.getSpec().getTaints().add(new TaintBuilder().withKey("ferry.dev/drain").withValue("true").withEffect("NoSchedule").build());
      return n;
    });
    try {
      List<String> names = createCommandPods(client, "taint", 4);
      List<Pod> pods = awaitAllBound(client, names);
      assertThat(pods).extracting(p -> p.getSpec().getNodeName()).containsOnly(NODE_1);
      assertThat(client.nodes().withName(NODE_2).get().getSpec().getTaints()).anyMatch(t -> t.getKey().equals("ferry.dev/drain"));
      names.forEach(n -> client.pods().withName(n).delete());
    } finally {
      client.nodes().withName(NODE_2).edit(n -> {
        n.getSpec().getTaints().removeIf(t -> t.getKey().equals("ferry.dev/drain"));
        return n;
      });
    }
  }

  @Test
  void garbageCollectorDeletesPodsOfADeletedOwnerAndTheRuntimeStopsThem(KubernetesClient client) {
    ConfigMap owner = client.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName("pod-owner").endMetadata().build()).create();
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      Pod p = commandPod("owned-" + i, "Always", "sleep", "3600");
      p.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion("v1").withKind("ConfigMap")
          .withName("pod-owner").withUid(owner.getMetadata().getUid()).build()));
      client.pods().resource(p).create();
      names.add(p.getMetadata().getName());
    }
    List<ProcessHandle> processes = new ArrayList<>();
    for (String n : names) {
      Pod running = awaitPod(client, n, "Running", p -> "Running".equals(phase(p)));
      processes.add(runtime.process(running).orElseThrow());
    }
    assertThat(processes).allMatch(ProcessHandle::isAlive);

    client.configMaps().withName("pod-owner").delete();

    await("GC deleted the owned pods and the runtime finished them").atMost(GONE)
        .until(() -> names.stream().allMatch(n -> client.pods().withName(n).get() == null));
    await("processes stopped").atMost(Duration.ofSeconds(30)).until(() -> processes.stream().noneMatch(ProcessHandle::isAlive));
  }

  @Test
  void killedContainerIsReportedAsTerminatedWithExitCode137(KubernetesClient client) {
    client.pods().resource(commandPod("killed-never", "Never", "sleep", "3600")).create();
    client.pods().resource(commandPod("killed-always", "Always", "sleep", "3600")).create();
    Pod never = awaitPod(client, "killed-never", "Running", p -> "Running".equals(phase(p)));
    Pod always = awaitPod(client, "killed-always", "Running", p -> "Running".equals(phase(p)));
    long firstPid = runtime.process(always).orElseThrow().pid();

    runtime.kill(never);
    runtime.kill(always);

    Pod failed = awaitPod(client, "killed-never", "Failed", p -> "Failed".equals(phase(p)));
    var terminated = failed.getStatus().getContainerStatuses().get(0).getState().getTerminated();
    assertThat(terminated.getExitCode()).isEqualTo(137);
    assertThat(terminated.getReason()).isEqualTo("Error");
    assertThat(failed.getStatus().getContainerStatuses().get(0).getReady()).isFalse();
    assertThat(failed.getStatus().getConditions()).anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("False"));

    Pod restarted = awaitPod(client, "killed-always", "restarted", p -> "Running".equals(phase(p))
        && p.getStatus().getContainerStatuses().get(0).getRestartCount() == 1
        && p.getStatus().getContainerStatuses().get(0).getState().getRunning() != null);
    assertThat(restarted.getStatus().getContainerStatuses().get(0).getLastState().getTerminated().getExitCode()).isEqualTo(137);
    assertThat(runtime.process(restarted).orElseThrow().pid()).isNotEqualTo(firstPid);

    client.pods().withName("killed-never").delete();
    client.pods().withName("killed-always").delete();
  }

  @Test
  void processThatExitsByItselfEndsThePodPerRestartPolicy(KubernetesClient client) {
    client.pods().resource(commandPod("exits-3", "Never", "sh", "-c", "echo bye; exit 3")).create();
    client.pods().resource(commandPod("exits-0", "Never", "true")).create();

    Pod failed = awaitPod(client, "exits-3", "Failed", p -> "Failed".equals(phase(p)));
    Pod succeeded = awaitPod(client, "exits-0", "Succeeded", p -> "Succeeded".equals(phase(p)));

    var t3 = failed.getStatus().getContainerStatuses().get(0).getState().getTerminated();
    assertThat(t3.getExitCode()).isEqualTo(3);
    assertThat(t3.getReason()).isEqualTo("Error");
    var t0 = succeeded.getStatus().getContainerStatuses().get(0).getState().getTerminated();
    assertThat(t0.getExitCode()).isZero();
    assertThat(t0.getReason()).isEqualTo("Completed");
    client.pods().withName("exits-3").delete();
    client.pods().withName("exits-0").delete();
  }

  @Test
  void environmentIsResolvedLikeTheKubeletAndAMissingSecretHoldsTheContainerBack(KubernetesClient client)
      throws IOException {
    client.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName("env-cm").endMetadata()
        .addToData("colour", "blue").build()).create();
    Pod pod = commandPod("env", "Always", "sh", "-c", "echo \"env: $A $B $C $D $(D)\"; exec sleep 3600");
    pod.getSpec().getContainers().get(0).setEnv(List.of(
        new EnvVarBuilder().withName("A").withNewValueFrom().withNewConfigMapKeyRef("colour", "env-cm", false).endValueFrom().build(),
        new EnvVarBuilder().withName("B").withNewValueFrom().withNewSecretKeyRef("word", "env-secret", false).endValueFrom().build(),
        fieldRef("C", "status.podIP"),
        new EnvVar("D", "ip=$(C)", null)));
    client.pods().resource(pod).create();

    Pod waiting = awaitPod(client, "env", "CreateContainerConfigError", p -> p.getStatus() != null
        && p.getStatus().getContainerStatuses() != null && !p.getStatus().getContainerStatuses().isEmpty()
        && p.getStatus().getContainerStatuses().get(0).getState().getWaiting() != null
        && "CreateContainerConfigError".equals(p.getStatus().getContainerStatuses().get(0).getState().getWaiting().getReason()));
    assertThat(phase(waiting)).isEqualTo("Pending");

    client.secrets().resource(new SecretBuilder().withNewMetadata().withName("env-secret").endMetadata()
        .addToStringData("word", "secret-word").build()).create();

    Pod running = awaitPod(client, "env", "Running", p -> "Running".equals(phase(p)));
    String ip = running.getStatus().getPodIP();
    await("the container printed its environment").atMost(START)
        .until(() -> Files.readString(runtime.logFile(running)).contains("env: blue secret-word " + ip + " ip=" + ip + " ip=" + ip));
    client.pods().withName("env").delete();
  }

  @Test
  void aMissingSecretVolumeHoldsTheContainerBackAndItsFilesAppearAtTheMountPath(KubernetesClient client) throws IOException {
    Pod pod = commandPod("vol", "Always", "sh", "-c", "echo \"cert: $(cat \"$CERT\") mode: $(stat -c %a \"$CERT\")\"; exec sleep 3600");
    pod.getSpec().setVolumes(List.of(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("tls")
        .withNewSecret().withSecretName("vol-tls").withDefaultMode(0440).endSecret().build()));
    pod.getSpec().getContainers().get(0).setVolumeMounts(List.of(
        new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName("tls").withMountPath("/etc/ferry/tls").withReadOnly(true).build()));
    pod.getSpec().getContainers().get(0).setEnv(List.of(new EnvVar("CERT", "/etc/ferry/tls/tls.crt", null)));
    client.pods().resource(pod).create();

    Pod waiting = awaitPod(client, "vol", "CreateContainerConfigError", p -> p.getStatus() != null
        && p.getStatus().getContainerStatuses() != null && !p.getStatus().getContainerStatuses().isEmpty()
        && p.getStatus().getContainerStatuses().get(0).getState().getWaiting() != null
        && "CreateContainerConfigError".equals(p.getStatus().getContainerStatuses().get(0).getState().getWaiting().getReason()));
    assertThat(phase(waiting)).isEqualTo("Pending");
    assertThat(waiting.getStatus().getContainerStatuses().get(0).getState().getWaiting().getMessage())
        .contains("MountVolume.SetUp failed for volume \"tls\": secret \"vol-tls\" not found");

    client.secrets().resource(new SecretBuilder().withNewMetadata().withName("vol-tls").endMetadata()
        .addToStringData("tls.crt", "CERTIFICATE-BYTES").addToStringData("tls.key", "KEY-BYTES").build()).create();

    Pod running = awaitPod(client, "vol", "Running", p -> "Running".equals(phase(p)));
    await("the container read the projected file").atMost(START)
        .until(() -> Files.readString(runtime.logFile(running)).contains("cert: CERTIFICATE-BYTES mode: 440"));
    client.pods().withName("vol").delete();
  }

  @Test
  void readinessFollowsTheReadinessProbe(KubernetesClient client, @TempDir Path dir) throws IOException {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs /usr/bin/python3");
    Path marker = Files.writeString(dir.resolve("ready"), "ok");
    Pod pod = commandPod("probed", "Always", "/usr/bin/python3", "-m", "http.server", "--bind", "$(POD_IP)",
        "--directory", dir.toString(), "8080");
    pod.getSpec().getContainers().get(0).setEnv(List.of(fieldRef("POD_IP", "status.podIP")));
    pod.getSpec().getContainers().get(0).setPorts(List.of(new io.fabric8.kubernetes.api.model.ContainerPortBuilder()
        .withName("http").withContainerPort(8080).build()));
    pod.getSpec().getContainers().get(0).setReadinessProbe(new io.fabric8.kubernetes.api.model.ProbeBuilder()
        .withNewHttpGet().withPath("/ready").withPort(new IntOrString("http")).endHttpGet()
        .withPeriodSeconds(1).withFailureThreshold(2).build());
    client.pods().resource(pod).create();

    awaitPod(client, "probed", "Ready", LocalPodRuntimeTest::isReady);
    Files.delete(marker);
    Pod notReady = awaitPod(client, "probed", "not Ready", p -> !isReady(p));
    assertThat(phase(notReady)).isEqualTo("Running");
    assertThat(notReady.getStatus().getContainerStatuses().get(0).getReady()).isFalse();
    Files.writeString(marker, "ok");
    awaitPod(client, "probed", "Ready again", LocalPodRuntimeTest::isReady);
    client.pods().withName("probed").delete();
  }

  @Test
  void podWithNodeNameRunsWithoutTheSchedulerAndCloseStopsEverything(ControlPlane cp, KubernetesClient client) {
    LocalPodRuntime other = LocalPodRuntime.builder(cp).nodeNamePrefix("lpr-close").build();
    ProcessHandle process;
    try {
      Pod pod = commandPod("pinned", "Always", "sleep", "3600");
      pod.getSpec().setNodeName("lpr-close-1");
      client.pods().resource(pod).create();
      Pod running = awaitPod(client, "pinned", "Running", p -> "Running".equals(phase(p)));
      process = other.process(running).orElseThrow();
      assertThat(client.nodes().withName("lpr-close-1").get()).isNotNull();
    } finally {
      other.close();
    }
    assertThat(process.isAlive()).isFalse();
    assertThat(client.pods().withName("pinned").get()).isNull();
    assertThat(client.nodes().withName("lpr-close-1").get()).isNull();
  }

  @Test
  void missingServerJarFailsWithBuildInstructions() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new ReferenceServerLauncher(java.nio.file.Path.of("/nonexistent/ferry-server.jar"), List.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("mvn -pl server-image install");
  }

  // ------------------------------------------------------------------ helpers

  private static Pod serverPod(String name, String restartPolicy) {
    return new PodBuilder()
        .withNewMetadata().withName(name).addToLabels("app", name).endMetadata()
        .withNewSpec()
        .withRestartPolicy(restartPolicy)
        .withTerminationGracePeriodSeconds(30L)
        .addNewContainer()
        .withName("server")
        .withImage(ReferenceServerLauncher.DEFAULT_IMAGE)
        .addNewPort().withName("client").withContainerPort(7000).endPort()
        .addNewPort().withName("admin").withContainerPort(7001).endPort()
        .withEnv(
            fieldRef("POD_NAME", "metadata.name"),
            fieldRef("POD_NAMESPACE", "metadata.namespace"),
            new EnvVar("FERRY_PORT", "7000", null),
            new EnvVar("FERRY_ADMIN_PORT", "7001", null),
            new EnvVar("FERRY_IDLE_MIGRATION_TIMER", "1", null),
            new EnvVarBuilder().withName("FERRY_ADMIN_TOKEN").withNewValueFrom()
                .withNewSecretKeyRef("token", "admin-token", false).endValueFrom().build())
        .withNewReadinessProbe()
        .withNewHttpGet().withPath("/healthz/ready").withPort(new IntOrString("admin")).endHttpGet()
        .withPeriodSeconds(1)
        .withFailureThreshold(3)
        .endReadinessProbe()
        .endContainer()
        .endSpec()
        .build();
  }

  private static Pod commandPod(String name, String restartPolicy, String... command) {
    return new PodBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec()
        .withRestartPolicy(restartPolicy)
        .addNewContainer()
        .withName("main")
        .withImage(LocalPodRuntime.LOCAL_COMMAND_IMAGE)
        .withCommand(command)
        .endContainer()
        .endSpec()
        .build();
  }

  private static List<String> createCommandPods(KubernetesClient client, String prefix, int count) {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      client.pods().resource(commandPod(prefix + "-" + i, "Always", "sleep", "3600")).create();
      names.add(prefix + "-" + i);
    }
    return names;
  }

  private static List<Pod> awaitAllBound(KubernetesClient client, List<String> names) {
    return await("all pods bound by kube-scheduler").atMost(START).until(
        () -> names.stream().map(n -> client.pods().withName(n).get()).toList(),
        pods -> pods.stream().allMatch(p -> p != null && p.getSpec().getNodeName() != null));
  }

  private static EnvVar fieldRef(String name, String path) {
    return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withFieldPath(path).endFieldRef()
        .endValueFrom().build();
  }

  private static Pod awaitPod(KubernetesClient client, String name, String what, Predicate<Pod> condition) {
    return await("pod " + name + ": " + what).atMost(START).pollInterval(Duration.ofMillis(250))
        .until(() -> client.pods().withName(name).get(), p -> p != null && condition.test(p));
  }

  private static void deleteAndAwaitGone(KubernetesClient client, String name) {
    client.pods().withName(name).delete();
    await("pod " + name + " gone").atMost(GONE).until(() -> client.pods().withName(name).get() == null);
  }

  private static boolean isReady(Pod p) {
    return p.getStatus() != null && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  private static String phase(Pod p) {
    return p.getStatus() == null ? null : p.getStatus().getPhase();
  }

  private static Lease lease(KubernetesClient client, String node) {
    return Optional.ofNullable(client.resources(Lease.class).inNamespace("kube-node-lease").withName(node).get())
        .orElseThrow();
  }

}
