package dev.ferry.operator.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * The operator as it ships: {@code quarkus-run.jar} in its own JVM, configured like the Deployment
 * (JVM options of the image's entrypoint, heap as under the Deployment's 512Mi memory limit), under
 * a ServiceAccount token, watching one namespace. Its memory and its {@code /q/metrics} are the
 * real operator's.
 */
public final class PackagedOperator implements AutoCloseable {

  /** The image's JVM options (operator/src/main/resources/application.properties, quarkus.jib.jvm-entrypoint). */
  static final List<String> IMAGE_JVM_OPTIONS =
      List.of("-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData", "-Djava.util.logging.manager=org.jboss.logmanager.LogManager");

  private final Process process;
  private final int httpPort;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private PackagedOperator(Process process, int httpPort) {
    this.process = process;
    this.httpPort = httpPort;
  }

  /**
   * Starts the jar with {@code properties} (Quarkus configuration) and {@code environment}, logging to
   * {@code logFile}; returns once {@code /q/health/ready} answers 200.
   *
   * @param maxHeap e.g. {@code 384m}: MaxRAMPercentage=75 of the Deployment's 512Mi limit
   */
  public static PackagedOperator start(Path jar, String maxHeap, Map<String, String> properties, Map<String, String> environment, Path logFile)
      throws IOException {
    return start(jar, maxHeap, properties, environment, logFile, "/q/health/ready");
  }

  /**
   * As above, returning once {@code healthPath} answers 200: {@code /q/health/live} for a replica
   * that waits for the leader-election lease and so is not ready yet.
   */
  public static PackagedOperator start(
      Path jar, String maxHeap, Map<String, String> properties, Map<String, String> environment, Path logFile, String healthPath)
      throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("No " + jar + ": build it with $MVN -o -pl operator install -DskipTests (scripts/bench-operator.sh does)");
    }
    int port = freePort();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + maxHeap);
    command.addAll(IMAGE_JVM_OPTIONS);
    if (Runtime.version().feature() >= 24) {
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.add("-Dquarkus.http.host=127.0.0.1");
    command.add("-Dquarkus.http.port=" + port);
    properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
    command.add("-jar");
    command.add(jar.toString());
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile());
    pb.environment().putAll(environment);
    PackagedOperator operator = new PackagedOperator(pb.start(), port);
    try {
      Awaitility.await("operator at :" + port + healthPath + " (log: " + logFile + ")").atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
          .until(() -> {
            if (!operator.process.isAlive()) {
              throw new IllegalStateException("the operator exited with " + operator.process.exitValue() + "; see " + logFile);
            }
            return operator.get(healthPath).statusCode() == 200;
          });
    } catch (RuntimeException e) {
      operator.close();
      throw e;
    }
    return operator;
  }

  public long pid() {
    return process.pid();
  }

  /** A scrape of {@code /q/metrics}. */
  PrometheusText metrics() {
    HttpResponse<String> r = get("/q/metrics");
    if (r.statusCode() != 200) {
      throw new IllegalStateException("/q/metrics answered " + r.statusCode());
    }
    return PrometheusText.parse(r.body());
  }

  /** Resident set size of the process (Linux), bytes. */
  long residentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
        }
      }
      throw new IllegalStateException("no VmRSS in /proc/" + pid() + "/status");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A full GC in the operator (jcmd GC.run), so the heap figure that follows is what is live. */
  void collectGarbage() throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), "GC.run").redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    if (!p.waitFor(1, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("jcmd " + pid() + " GC.run failed");
    }
  }

  /**
   * Copies the fast-jar directory ({@code quarkus-run.jar} with its {@code lib/}, {@code app/},
   * {@code quarkus/}) to {@code target} and returns the copy's {@code quarkus-run.jar}: a build of
   * the module during the run then cannot replace jars under the running operator.
   */
  public static Path copyApp(Path app, Path target) throws IOException {
    if (!Files.isRegularFile(app.resolve("quarkus-run.jar"))) {
      throw new IllegalStateException("No " + app.resolve("quarkus-run.jar")
          + ": build it with $MVN -o -pl operator install -DskipTests (scripts/bench-operator.sh does)");
    }
    if (Files.exists(target)) {
      try (var old = Files.walk(target)) {
        for (Path p : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    try (var files = Files.walk(app)) {
      for (Path from : files.toList()) {
        Path to = target.resolve(app.relativize(from).toString());
        if (Files.isDirectory(from)) {
          Files.createDirectories(to);
        } else {
          Files.copy(from, to);
        }
      }
    }
    return target.resolve("quarkus-run.jar");
  }

  private HttpResponse<String> get(String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** SIGKILL, as a node failure or the OOM killer ends it: nothing runs on the way out (no lease release). */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("operator pid " + pid() + " still alive 30 s after SIGKILL");
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGTERM, as Kubernetes stops it; SIGKILL if it has not exited after 30 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
