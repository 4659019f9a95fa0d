package dev.ferry.operator.bench;

import dev.ferry.operator.cluster.ServerFleetCrd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Where a benchmark run keeps its files (under {@code operator/target/bench/<scenario>}), with
 * everything the libraries log in a file there so the terminal shows the benchmark's own output.
 */
final class BenchEnvironment {

  private final Path repo;
  private final Path work;

  private BenchEnvironment(Path repo, Path work) {
    this.repo = repo;
    this.work = work;
  }

  /** Prepares the work directory, the control plane's directories and the log file for {@code scenario}. */
  static BenchEnvironment prepare(String scenario) throws IOException {
    Path repo = repoRoot();
    Path work = repo.resolve("operator/target/bench").resolve(scenario);
    Files.createDirectories(work);
    defaultProperty("ferry.repo.root", repo.toString());
    defaultProperty("ferry.controlplane.runDir", work.resolve("control-plane").toString());
    defaultProperty("ferry.controlplane.logDir", work.resolve("control-plane-logs").toString());
    logTo(work.resolve(scenario + ".log"));
    return new BenchEnvironment(repo, work);
  }

  Path repo() {
    return repo;
  }

  Path work() {
    return work;
  }

  Path logFile(String scenario) {
    return work.resolve(scenario + ".log");
  }

  /** Where full-size runs write their JSON (committed, read by the report generator). */
  Path resultsDir() {
    return repo.resolve("bench/results");
  }

  /** Where {@code --quick} runs write theirs: a check that the benchmark works is not a result. */
  Path quickResultsDir() {
    return repo.resolve("operator/target/bench/results-quick");
  }

  static void defaultProperty(String name, String value) {
    if (System.getProperty(name) == null || System.getProperty(name).isBlank()) {
      System.setProperty(name, value);
    }
  }

  private static void logTo(Path file) throws IOException {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    FileHandler handler = new FileHandler(file.toString(), false);
    handler.setFormatter(new SimpleFormatter());
    handler.setLevel(Level.ALL);
    root.addHandler(handler);
    root.setLevel(Level.INFO);
  }

  /** The repository, as the module's tests find it ({@code -Dferry.repo.root}, which the script sets). */
  private static Path repoRoot() {
    Path repo = ServerFleetCrd.repoRoot();
    if (!Files.isRegularFile(repo.resolve("scripts/control-plane.sh"))) {
      throw new IllegalStateException(repo + " is not the Ferry repository: run scripts/bench-operator.sh, or set -Dferry.repo.root");
    }
    return repo;
  }
}
