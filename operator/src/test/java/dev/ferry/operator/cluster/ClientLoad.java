package dev.ferry.operator.cluster;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.ClientTlsOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.client.tools.LoadRun;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Real clients on a fleet: per pod address a {@link LoadRun} (closed loop, default mix with STREAM,
 * checking invariants) and a few idle "probe" sessions whose own migration count the test reads.
 */
final class ClientLoad implements AutoCloseable {

  private final List<LoadRun> runs = new ArrayList<>();
  private final List<CompletableFuture<LoadRun.Result>> results = new ArrayList<>();
  private final List<FerryClient> probeClients = new ArrayList<>();
  private final List<FerrySession> probes = new ArrayList<>();

  /** Starts {@code sessionsPerPod} load sessions and {@code probesPerPod} idle sessions on each address. */
  static ClientLoad start(List<String> addresses, int sessionsPerPod, int probesPerPod) {
    return start(addresses, sessionsPerPod, addresses, probesPerPod, true);
  }

  /**
   * Load sessions on {@code loadAddresses}, probes on {@code probeAddresses}; probes that do not
   * read ahead see a migration request only when they next send a command.
   */
  static ClientLoad start(
      List<String> loadAddresses, int sessionsPerPod, List<String> probeAddresses, int probesPerPod, boolean probesReadAhead) {
    return start(loadAddresses, sessionsPerPod, probeAddresses, probesPerPod, probesReadAhead, null);
  }

  /** As above, every connection over TLS with {@code tls} (null: plain TCP). */
  static ClientLoad start(
      List<String> loadAddresses, int sessionsPerPod, List<String> probeAddresses, int probesPerPod, boolean probesReadAhead,
      ClientTlsOptions tls) {
    ClientLoad load = new ClientLoad();
    for (String address : loadAddresses) {
      LoadRun run =
          new LoadRun(
              LoadRun.Options.defaults(address)
                  .withSessions(sessionsPerPod)
                  .withDuration(Duration.ofMinutes(10))
                  .withThinkTime(Duration.ofMillis(20))
                  .withCommandTimeout(Duration.ofSeconds(60)));
      load.runs.add(run);
      if (tls == null) {
        load.results.add(CompletableFuture.supplyAsync(run::run, r -> Thread.ofPlatform().daemon().start(r)));
      } else {
        FerryClient client = FerryClient.create(ClientOptions.builder().serviceAddress(address).clientName("ferry-load").tls(tls)
            .commandTimeout(Duration.ofSeconds(60)).build());
        load.probeClients.add(client); // closed with the probes' clients
        load.results.add(CompletableFuture.supplyAsync(() -> run.run(client), r -> Thread.ofPlatform().daemon().start(r)));
      }
    }
    for (String address : probeAddresses) {
      FerryClient probeClient =
          FerryClient.create(
              ClientOptions.builder().serviceAddress(address).clientName("probe").readAhead(probesReadAhead).tls(tls).build());
      load.probeClients.add(probeClient);
      for (int i = 0; i < probesPerPod; i++) {
        load.probes.add(probeClient.connect());
      }
    }
    return load;
  }

  long commandsOk() {
    return runs.stream().mapToLong(LoadRun::commandsOk).sum();
  }

  List<FerrySession> probes() {
    return probes;
  }

  /** Stops the load and waits for every run's result. */
  List<LoadRun.Result> stop() throws Exception {
    runs.forEach(LoadRun::stop);
    List<LoadRun.Result> out = new ArrayList<>();
    for (CompletableFuture<LoadRun.Result> r : results) {
      out.add(r.get(2, TimeUnit.MINUTES));
    }
    return out;
  }

  @Override
  public void close() {
    runs.forEach(LoadRun::stop);
    probes.forEach(s -> {
      try {
        s.close();
      } catch (RuntimeException ignored) {
        // the session may be gone already
      }
    });
    probeClients.forEach(FerryClient::close);
  }
}
