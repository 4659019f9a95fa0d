package dev.ferry.controlplane.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Runs the reference server image ({@value #DEFAULT_IMAGE} by default) as {@code java -jar
 * <runnable jar>} with the container's environment and {@code FERRY_BIND=<pod IP>}: the
 * container's ports are the ports the server listens on at the pod's address.
 *
 * <p>The jar is {@code -Dferry.server.jar}, else the newest {@code
 * server-image/target/ferry-server-image-*-runnable.jar} under the repository root ({@code
 * -Dferry.repo.root}, else the first parent of the working directory with {@code
 * server-image/}). Nothing is built here: a missing jar is an error that says how to build it.
 */
public final class ReferenceServerLauncher implements ContainerLauncher {

  /** The image name pods use for the reference server, unless configured otherwise. */
  public static final String DEFAULT_IMAGE = "ferry/reference-server:dev";

  /** System property naming the runnable jar explicitly. */
  public static final String JAR_PROPERTY = "ferry.server.jar";

  /** JVM options for each server: quick start, small footprint (a test machine runs several). */
  public static final List<String> DEFAULT_JVM_OPTIONS =
      List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m", "-XX:-UsePerfData");

  private final Path jar;
  private final Path java;
  private final List<String> jvmOptions;

  public ReferenceServerLauncher(Path jar, List<String> jvmOptions) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(missingJarMessage(jar.toString()));
    }
    this.jar = jar.toAbsolutePath();
    this.java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> options = new ArrayList<>(jvmOptions);
    if (Runtime.version().feature() >= 24) {
      options.add("--sun-misc-unsafe-memory-access=allow"); // Netty, without the warning
    }
    this.jvmOptions = List.copyOf(options);
  }

  /** The launcher for the jar the build left in {@code server-image/target}; see the class comment. */
  public static ReferenceServerLauncher fromBuild() {
    return new ReferenceServerLauncher(findJar(), DEFAULT_JVM_OPTIONS);
  }

  /** The runnable jar this launcher starts. */
  public Path jar() {
    return jar;
  }

  @Override
  public ProcessBuilder processBuilder(ContainerContext context) {
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(context.args());
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().clear();
    pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    pb.environment().putAll(context.environment());
    pb.environment().put("FERRY_BIND", context.podIP());
    return pb;
  }

  /** The runnable jar, or an {@link IllegalStateException} that says how to build it. */
  public static Path findJar() {
    String explicit = System.getProperty(JAR_PROPERTY);
    if (explicit != null && !explicit.isBlank()) {
      Path p = Path.of(explicit);
      if (!Files.isRegularFile(p)) {
        throw new IllegalStateException(missingJarMessage(p + " (from -D" + JAR_PROPERTY + ")"));
      }
      return p;
    }
    Path root =
        Optional.ofNullable(System.getProperty("ferry.repo.root"))
            .filter(s -> !s.isBlank())
            .map(Path::of)
            .orElseGet(ReferenceServerLauncher::findRoot);
    Path target = root.resolve("server-image/target").toAbsolutePath().normalize();
    if (Files.isDirectory(target)) {
      try (Stream<Path> files = Files.list(target)) {
        Optional<Path> newest =
            files
                .filter(f -> f.getFileName().toString().matches("ferry-server-image-.*-runnable\\.jar"))
                .max(Comparator.comparing(ReferenceServerLauncher::modified));
        if (newest.isPresent()) {
          return newest.get();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot list " + target, e);
      }
    }
    return throwMissing(target.resolve("ferry-server-image-*-runnable.jar").toString());
  }

  private static Path throwMissing(String where) {
    throw new IllegalStateException(missingJarMessage(where));
  }

  private static String missingJarMessage(String where) {
    return "The reference server's runnable jar is missing: "
        + where
        + ". The pod runtime builds nothing; build it first: "
        + "mvn -pl server-image install -DskipTests (or -Dferry.server.jar=/path/to/runnable.jar)";
  }

  private static Path findRoot() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isDirectory(d.resolve("server-image"))) {
        return d;
      }
    }
    return Path.of("").toAbsolutePath();
  }

  private static FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }
}
