package dev.ferry.controlplane.runtime;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a {@link ContainerLauncher} gets to start one container.
 *
 * @param pod the pod as the runtime last saw it
 * @param container the container's spec
 * @param podIP the pod's own loopback address (127.0.0.x): the container's ports are its ports there
 * @param environment the container's environment as a kubelet resolves it: {@code envFrom}, then
 *     {@code env} with {@code $(VAR)} expanded and {@code valueFrom} (fieldRef, secretKeyRef,
 *     configMapKeyRef) resolved, plus {@code HOSTNAME} (the pod's name); a value under the mount path
 *     of a Secret volume names the file the runtime projected into the pod's directory instead
 *     (the process has no mount namespace; see {@code SecretVolumes})
 * @param logFile where the process's output goes
 * @param restartCount how often this container has been restarted before (0 on the first start)
 */
public record ContainerContext(
    Pod pod, Container container, String podIP, Map<String, String> environment, Path logFile, int restartCount) {

  public ContainerContext {
    environment = Map.copyOf(environment);
  }

  /** The container's {@code command} followed by its {@code args}, with {@code $(VAR)} expanded. */
  public List<String> command() {
    List<String> out = new ArrayList<>();
    if (container.getCommand() != null) {
      container.getCommand().forEach(c -> out.add(EnvResolver.expand(c, environment)));
    }
    out.addAll(args());
    return out;
  }

  /** The container's {@code args}, with {@code $(VAR)} expanded. */
  public List<String> args() {
    List<String> out = new ArrayList<>();
    if (container.getArgs() != null) {
      container.getArgs().forEach(a -> out.add(EnvResolver.expand(a, environment)));
    }
    return out;
  }
}
