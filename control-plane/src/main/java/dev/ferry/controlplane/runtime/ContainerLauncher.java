package dev.ferry.controlplane.runtime;

import java.io.IOException;

/**
 * How {@link LocalPodRuntime} turns a container of a pod into a local process: the stand-in for a
 * container image. The runtime picks the launcher by the container's {@code image}.
 *
 * <p>The returned builder's command, working directory and environment are used as they are; the
 * runtime sends the output to the pod's log file itself (any redirect set here is replaced).
 */
@FunctionalInterface
public interface ContainerLauncher {

  /** The process that runs {@code context.container()} on {@code context.podIP()}. */
  ProcessBuilder processBuilder(ContainerContext context) throws IOException;

  /**
   * Runs the container's own {@code command} + {@code args} (after {@code $(VAR)} expansion) as a
   * local command, with only the container's environment plus {@code PATH}: for small test pods
   * such as {@code command: [sleep, "3600"]} or a shell one-liner.
   */
  static ContainerLauncher localCommand() {
    return context -> {
      if (context.command().isEmpty()) {
        throw new IOException(
            "container " + context.container().getName() + " has no command: the local-command image runs"
                + " the container's command and args as they are");
      }
      ProcessBuilder pb = new ProcessBuilder(context.command());
      pb.environment().clear();
      pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
      pb.environment().putAll(context.environment());
      return pb;
    };
  }
}
