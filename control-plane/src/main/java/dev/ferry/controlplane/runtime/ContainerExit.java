package dev.ferry.controlplane.runtime;

import java.time.Instant;

/**
 * One exit of a container process, as {@link LocalPodRuntime} recorded it (also after the pod is
 * gone).
 *
 * @param namespace the pod's namespace
 * @param pod the pod's name
 * @param uid the pod's uid
 * @param container the container's name
 * @param exitCode the process's exit status; 128 + n when signal n ended it (143 SIGTERM, 137 SIGKILL)
 * @param reason what the kubelet reports: {@code Completed} (0) or {@code Error}
 * @param finishedAt when the runtime saw the exit
 * @param restartCount the container's restart count while this process ran
 */
public record ContainerExit(
    String namespace,
    String pod,
    String uid,
    String container,
    int exitCode,
    String reason,
    Instant finishedAt,
    int restartCount) {

  /** The signal that ended the process, or 0 if it exited by itself. */
  public int signal() {
    return exitCode > 128 && exitCode < 128 + 65 ? exitCode - 128 : 0;
  }
}
