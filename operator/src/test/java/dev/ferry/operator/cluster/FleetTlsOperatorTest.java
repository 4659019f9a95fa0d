package dev.ferry.operator.cluster;

import static dev.ferry.operator.cluster.FleetSupport.WAIT;
import static dev.ferry.operator.cluster.FleetSupport.assertClean;
import static dev.ferry.operator.cluster.FleetSupport.awaitSettled;
import static dev.ferry.operator.cluster.FleetSupport.awaitWarm;
import static dev.ferry.operator.cluster.FleetSupport.createReadyFleet;
import static dev.ferry.operator.cluster.FleetSupport.events;
import static dev.ferry.operator.cluster.FleetSupport.report;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.ClientTlsOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.tools.LoadRun;
import dev.ferry.controlplane.ControlPlane;
import dev.ferry.controlplane.TestNamespace;
import dev.ferry.controlplane.WithControlPlane;
import dev.ferry.controlplane.runtime.LocalPodRuntime;
import dev.ferry.operator.model.ServerFleet;
import dev.ferry.operator.model.TlsMode;
import dev.ferry.operator.model.TlsSpec;
import dev.ferry.operator.resources.FleetTlsSecrets;
import dev.ferry.operator.tls.FleetCertificates;
import dev.ferry.testkit.RedisServer;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS fleets on the real API server: the operator generates the fleet's CA and certificate, pods
 * serve the client and admin ports over TLS, the operator reads their status over HTTPS, and a
 * scale-down drains TLS clients without a failed command. A Provided Secret that does not exist
 * is reported with what to fix, and the fleet comes up once it does.
 */
@WithControlPlane(controllerManager = true, scheduler = true)
class FleetTlsOperatorTest {

  private static RedisServer redis;
  private static LocalPodRuntime runtime;
  private static FleetOperator operator;
  private static KubernetesClient operatorClient;

  @TempDir Path dir;

  @BeforeAll
  static void startEverything(ControlPlane cp, KubernetesClient client, TestNamespace ns) {
    ServerFleetCrd.install(client);
    redis = RedisServer.startDefault();
    runtime = LocalPodRuntime.builder(cp).nodes(2).nodeNamePrefix("tls-node").referenceServer()
        .heartbeatInterval(Duration.ofSeconds(2)).build();
    await("default ServiceAccount").atMost(WAIT).until(() -> client.serviceAccounts().withName("default").get() != null);
    operatorClient = OperatorRbac.grant(ns);
    operator = FleetOperator.start(operatorClient, ns.name());
  }

  @AfterEach
  void deleteFleets(KubernetesClient client) {
    client.resources(ServerFleet.class).delete();
    client.pods().withLabel("ferry.dev/fleet").delete();
    await("fleet pods gone").atMost(WAIT).until(() -> client.pods().withLabel("ferry.dev/fleet").list().getItems().isEmpty());
  }

  @AfterAll
  static void stopEverything() {
    if (operator != null) {
      operator.close();
    }
    if (runtime != null) {
      runtime.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void aGeneratedCaFleetServesTlsAndDrainsTlsClients(KubernetesClient client, TestNamespace ns) throws Exception {
    List<String> addresses = createReadyFleet(client, redis.uri(), "gen", 3, 200, 30, 600, f -> f.getSpec().setTls(tls(TlsMode.Generated, null)));

    Secret serving = client.secrets().withName("gen-tls").get();
    assertThat(serving.getType()).isEqualTo("kubernetes.io/tls");
    assertThat(serving.getData()).containsKeys("tls.crt", "tls.key", "ca.crt");
    Secret ca = client.secrets().withName("gen-ca").get();
    String caPem = FleetTlsSecrets.text(ca, "ca.crt").orElseThrow();
    assertThat(FleetTlsSecrets.text(serving, "ca.crt")).contains(caPem);
    assertThat(FleetCertificates.dnsNames(FleetCertificates.certificate(FleetTlsSecrets.text(serving, "tls.crt").orElseThrow())))
        .contains("gen." + ns.name() + ".svc", "gen-admin." + ns.name() + ".svc");
    assertThat(events(client, "gen", "FleetCaCreated")).hasSize(1);
    assertThat(events(client, "gen", "CertificateIssued")).hasSize(1);

    // A client that trusts ca.crt and checks the fleet's name (it dials pod IPs, which the certificate does not name).
    Path caFile = Files.writeString(dir.resolve("ca.crt"), caPem);
    ClientTlsOptions tls = ClientTlsOptions.builder().trustCaPem(caFile).serverName("gen." + ns.name() + ".svc").build();
    try (FerryClient plain = FerryClient.create(ClientOptions.builder().serviceAddress(addresses.get(0))
        .connectTimeout(Duration.ofSeconds(3)).resumeAttempts(1).build())) {
      assertThatThrownBy(plain::connect).as("the client port speaks TLS only").isInstanceOf(dev.ferry.client.ConnectFailedException.class);
    }

    try (ClientLoad load = ClientLoad.start(addresses, 20, addresses, 2, true, tls)) {
      awaitWarm(load);
      // The operator reads each pod's session count over HTTPS (a failed admin call would leave it unknown).
      await("session counts from the admin API over HTTPS").atMost(WAIT).until(() -> {
        ServerFleet f = client.resources(ServerFleet.class).withName("gen").get();
        return f.getStatus() != null && f.getStatus().getSessions() != null && f.getStatus().getSessions() >= 66;
      });
      client.resources(ServerFleet.class).withName("gen").scale(2);
      awaitSettled(client, "gen", 2);
      List<LoadRun.Result> results = load.stop();
      assertClean(results);
      report("TLS fleet (generated CA), scale 3→2", results, load.probes());
      assertThat(results.stream().mapToLong(LoadRun.Result::migrations).sum()).as("the victim's 20 load sessions moved").isEqualTo(20);
    }

    // Reconciles since then kept the CA and the certificate: nothing was issued again.
    assertThat(FleetTlsSecrets.text(client.secrets().withName("gen-ca").get(), "ca.crt")).contains(caPem);
    assertThat(events(client, "gen", "CertificateIssued")).hasSize(1);

    // A restarted operator (nothing remembered) finds both in their Secrets and keeps them; its new pod serves
    // the same certificate, so clients that trust the CA they were given still connect.
    String servingPem = FleetTlsSecrets.text(client.secrets().withName("gen-tls").get(), "tls.crt").orElseThrow();
    operator.close();
    operator = FleetOperator.start(operatorClient, ns.name());
    List<String> after = scaleTo(client, "gen", 3);
    assertThat(FleetTlsSecrets.text(client.secrets().withName("gen-ca").get(), "ca.crt")).contains(caPem);
    assertThat(FleetTlsSecrets.text(client.secrets().withName("gen-tls").get(), "tls.crt")).contains(servingPem);
    assertThat(events(client, "gen", "FleetCaCreated")).hasSize(1);
    assertThat(events(client, "gen", "CertificateIssued")).hasSize(1);
    for (String address : after) {
      try (FerryClient trusting = FerryClient.create(ClientOptions.builder().serviceAddress(address).tls(tls)
          .connectTimeout(Duration.ofSeconds(5)).build())) {
        assertThat(trusting.connect().execute("PING").firstText()).as(address).isEqualTo("PONG");
      }
    }
  }

  /** Scales an existing fleet and returns its pods' client addresses once it has settled. */
  private static List<String> scaleTo(KubernetesClient client, String name, int replicas) {
    client.resources(ServerFleet.class).withName(name).scale(replicas);
    awaitSettled(client, name, replicas);
    return FleetSupport.pods(client, name).stream().map(p -> p.getStatus().getPodIP() + ":7000").toList();
  }

  @Test
  void aMissingProvidedSecretIsReportedAndTheFleetStartsOnceItExists(KubernetesClient client, TestNamespace ns) {
    ServerFleet fleet = Fleets.valid("own", 1);
    fleet.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(dev.ferry.controlplane.runtime.ReferenceServerLauncher.DEFAULT_IMAGE);
    fleet.getSpec().getContextStore().setUri(redis.uri());
    fleet.getSpec().setTls(tls(TlsMode.Provided, "own-cert"));
    client.resource(fleet).create();

    await("ReconcileError names the missing Secret").atMost(WAIT).until(() -> {
      ServerFleet f = client.resources(ServerFleet.class).withName("own").get();
      return f.getStatus() != null && f.getStatus().getConditions().stream().anyMatch(c -> "ReconcileError".equals(c.getType())
          && "True".equals(c.getStatus())
          && c.getMessage().contains("tls.secretName: Secret " + ns.name() + "/own-cert does not exist; create a kubernetes.io/tls Secret"));
    });

    FleetCertificates.Issued ca = FleetCertificates.newCa(ns.name(), "own", Instant.now());
    FleetCertificates.Issued cert = FleetCertificates.issueServing(ca, List.of("own." + ns.name() + ".svc"), Instant.now());
    client.resource(new SecretBuilder().withNewMetadata().withName("own-cert").endMetadata().withType("kubernetes.io/tls")
        .withData(Map.of("tls.crt", b64(cert.certificatePem()), "tls.key", b64(cert.privateKeyPem()), "ca.crt", b64(ca.certificatePem())))
        .build()).create();
    awaitSettled(client, "own", 1);
    assertThat(client.secrets().withName("own-ca").get()).as("no CA generated for a Provided fleet").isNull();
  }

  private static TlsSpec tls(TlsMode mode, String secretName) {
    TlsSpec t = new TlsSpec();
    t.setMode(mode);
    t.setSecretName(secretName);
    return t;
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  }
}
