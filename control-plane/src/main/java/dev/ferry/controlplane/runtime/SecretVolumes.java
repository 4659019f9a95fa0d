package dev.ferry.controlplane.runtime;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretVolumeSource;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Secret volumes, as the kubelet mounts them, for processes that run without a mount namespace.
 *
 * <p>The files of each Secret a container mounts are written to a directory of the pod's sandbox
 * ({@code <pod dir>/volumes/<volume>/<key>}, mode {@code defaultMode} or the item's mode, 0644 by
 * default as in the kubelet). Because a plain process sees the host's file system, not the mount
 * path, the runtime maps the one onto the other: an environment value that is the mount path or
 * starts with {@code <mountPath>/} is rewritten to the projected directory (see
 * {@link ContainerContext}). That is the only place a container learns a path here; a container
 * that hard-codes a mount path in its code would not find the files.
 */
final class SecretVolumes {

  /** A projected mount: what the container asked for and where the files are. */
  record Mount(String mountPath, Path hostDirectory) {}

  private SecretVolumes() {}

  /**
   * Writes the Secret volumes {@code container} mounts into {@code podDirectory}/volumes.
   *
   * @throws EnvResolver.ConfigError when a Secret (or a key an item names) that is not optional is
   *     missing: the container waits, as the kubelet's "MountVolume.SetUp failed" does
   */
  static List<Mount> project(KubernetesClient client, Pod pod, Container container, Path podDirectory) throws EnvResolver.ConfigError {
    List<Mount> mounts = new ArrayList<>();
    if (container.getVolumeMounts() == null || pod.getSpec().getVolumes() == null) {
      return mounts;
    }
    Map<String, Volume> volumes = new LinkedHashMap<>();
    pod.getSpec().getVolumes().forEach(v -> volumes.put(v.getName(), v));
    for (VolumeMount vm : container.getVolumeMounts()) {
      Volume volume = volumes.get(vm.getName());
      if (volume == null || volume.getSecret() == null) {
        continue; // other volume kinds are not run locally
      }
      SecretVolumeSource source = volume.getSecret();
      Secret secret = client.secrets().inNamespace(pod.getMetadata().getNamespace()).withName(source.getSecretName()).get();
      boolean optional = Boolean.TRUE.equals(source.getOptional());
      if (secret == null && !optional) {
        throw new EnvResolver.ConfigError("MountVolume.SetUp failed for volume \"" + vm.getName() + "\": secret \""
            + source.getSecretName() + "\" not found");
      }
      Path dir = podDirectory.resolve("volumes").resolve(vm.getName());
      write(dir, files(secret, source, vm.getName()), source.getDefaultMode());
      mounts.add(new Mount(trimSlash(vm.getMountPath()), dir));
    }
    return mounts;
  }

  /** Environment values that name a path under a mount path, pointed at the projected files instead. */
  static Map<String, String> rewrite(Map<String, String> env, List<Mount> mounts) {
    if (mounts.isEmpty()) {
      return env;
    }
    // The longest mount path first, so a nested mount wins over its parent.
    List<Mount> byLength = mounts.stream().sorted(Comparator.comparingInt((Mount m) -> m.mountPath().length()).reversed()).toList();
    Map<String, String> out = new LinkedHashMap<>();
    env.forEach((k, v) -> out.put(k, mapped(v, byLength)));
    return out;
  }

  private static String mapped(String value, List<Mount> mounts) {
    if (value == null) {
      return null;
    }
    for (Mount m : mounts) {
      if (value.equals(m.mountPath())) {
        return m.hostDirectory().toString();
      }
      if (value.startsWith(m.mountPath() + "/")) {
        return m.hostDirectory().resolve(value.substring(m.mountPath().length() + 1)).toString();
      }
    }
    return value;
  }

  /** File name → content, as the volume's items (or every key) select them. */
  private static Map<String, FileContent> files(Secret secret, SecretVolumeSource source, String volume) throws EnvResolver.ConfigError {
    Map<String, FileContent> out = new LinkedHashMap<>();
    if (secret == null) {
      return out;
    }
    Map<String, byte[]> data = new LinkedHashMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
    }
    if (secret.getStringData() != null) {
      secret.getStringData().forEach((k, v) -> data.put(k, v.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
    if (source.getItems() == null || source.getItems().isEmpty()) {
      data.forEach((k, v) -> out.put(k, new FileContent(v, null)));
      return out;
    }
    for (KeyToPath item : source.getItems()) {
      byte[] v = data.get(item.getKey());
      if (v == null) {
        if (Boolean.TRUE.equals(source.getOptional())) {
          continue;
        }
        throw new EnvResolver.ConfigError("MountVolume.SetUp failed for volume \"" + volume + "\": references non-existent secret key: "
            + item.getKey());
      }
      if (item.getPath().startsWith("/") || item.getPath().contains("..")) {
        throw new EnvResolver.ConfigError("volume \"" + volume + "\": item path must be relative and must not contain '..': "
            + item.getPath());
      }
      out.put(item.getPath(), new FileContent(v, item.getMode()));
    }
    return out;
  }

  private record FileContent(byte[] bytes, Integer mode) {}

  private static void write(Path dir, Map<String, FileContent> files, Integer defaultMode) {
    try {
      if (Files.exists(dir)) {
        try (var old = Files.walk(dir)) {
          for (Path p : old.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
      Files.createDirectories(dir);
      for (Map.Entry<String, FileContent> f : files.entrySet()) {
        Path file = dir.resolve(f.getKey());
        Files.createDirectories(file.getParent());
        Files.write(file, f.getValue().bytes());
        int mode = f.getValue().mode() != null ? f.getValue().mode() : defaultMode != null ? defaultMode : 0644;
        Files.setPosixFilePermissions(file, permissions(mode));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot project secret volume into " + dir, e);
    }
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> p = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ
    };
    for (int bit = 0; bit < order.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        p.add(order[bit]);
      }
    }
    return p;
  }

  private static String trimSlash(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
