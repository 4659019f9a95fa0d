package dev.ferry.controlplane.runtime;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A container's environment, resolved the way the kubelet does it. */
final class EnvResolver {

  /** A value the container needs is not there (yet): the kubelet's CreateContainerConfigError. */
  static final class ConfigError extends Exception {
    ConfigError(String message) {
      super(message);
    }
  }

  private static final Pattern FIELD_KEY = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]");

  private final KubernetesClient client;

  EnvResolver(KubernetesClient client) {
    this.client = client;
  }

  Map<String, String> resolve(Pod pod, Container container, String podIP, String hostIP) throws ConfigError {
    String ns = pod.getMetadata().getNamespace();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("HOSTNAME", pod.getMetadata().getName());
    Map<String, Secret> secrets = new HashMap<>();
    Map<String, ConfigMap> configMaps = new HashMap<>();
    if (container.getEnvFrom() != null) {
      for (EnvFromSource from : container.getEnvFrom()) {
        String prefix = from.getPrefix() == null ? "" : from.getPrefix();
        if (from.getConfigMapRef() != null) {
          ConfigMap cm = configMaps.computeIfAbsent(from.getConfigMapRef().getName(), n -> configMap(ns, n));
          if (cm == null) {
            if (!Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
              throw new ConfigError("configmap \"" + from.getConfigMapRef().getName() + "\" not found");
            }
          } else if (cm.getData() != null) {
            cm.getData().forEach((k, v) -> env.put(prefix + k, v));
          }
        }
        if (from.getSecretRef() != null) {
          Secret s = secrets.computeIfAbsent(from.getSecretRef().getName(), n -> secret(ns, n));
          if (s == null) {
            if (!Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
              throw new ConfigError("secret \"" + from.getSecretRef().getName() + "\" not found");
            }
          } else if (s.getData() != null) {
            s.getData().forEach((k, v) -> env.put(prefix + k, decode(v)));
          }
        }
      }
    }
    if (container.getEnv() != null) {
      for (EnvVar var : container.getEnv()) {
        if (var.getValueFrom() == null) {
          env.put(var.getName(), expand(var.getValue() == null ? "" : var.getValue(), env));
          continue;
        }
        String value = valueFrom(pod, var.getName(), var.getValueFrom(), podIP, hostIP, secrets, configMaps);
        if (value != null) {
          env.put(var.getName(), value);
        }
      }
    }
    return env;
  }

  private String valueFrom(
      Pod pod,
      String name,
      EnvVarSource source,
      String podIP,
      String hostIP,
      Map<String, Secret> secrets,
      Map<String, ConfigMap> configMaps)
      throws ConfigError {
    String ns = pod.getMetadata().getNamespace();
    if (source.getFieldRef() != null) {
      String path = source.getFieldRef().getFieldPath();
      Matcher m = FIELD_KEY.matcher(path);
      if (m.matches()) {
        Map<String, String> map =
            m.group(1).equals("labels") ? pod.getMetadata().getLabels() : pod.getMetadata().getAnnotations();
        return map == null ? "" : map.getOrDefault(m.group(2), "");
      }
      return switch (path) {
        case "metadata.name" -> pod.getMetadata().getName();
        case "metadata.namespace" -> ns;
        case "metadata.uid" -> pod.getMetadata().getUid();
        case "spec.nodeName" -> pod.getSpec().getNodeName();
        case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
        case "status.podIP", "status.podIPs" -> podIP;
        case "status.hostIP", "status.hostIPs" -> hostIP;
        default -> throw new ConfigError("env " + name + ": fieldRef " + path + " is not supported by LocalPodRuntime");
      };
    }
    if (source.getSecretKeyRef() != null) {
      var ref = source.getSecretKeyRef();
      Secret s = secrets.computeIfAbsent(ref.getName(), n -> secret(ns, n));
      String v = s == null || s.getData() == null ? null : s.getData().get(ref.getKey());
      if (v == null) {
        if (Boolean.TRUE.equals(ref.getOptional())) {
          return null;
        }
        throw new ConfigError(
            s == null
                ? "secret \"" + ref.getName() + "\" not found"
                : "couldn't find key " + ref.getKey() + " in Secret " + ns + "/" + ref.getName());
      }
      return decode(v);
    }
    if (source.getConfigMapKeyRef() != null) {
      var ref = source.getConfigMapKeyRef();
      ConfigMap cm = configMaps.computeIfAbsent(ref.getName(), n -> configMap(ns, n));
      String v = cm == null || cm.getData() == null ? null : cm.getData().get(ref.getKey());
      if (v == null) {
        if (Boolean.TRUE.equals(ref.getOptional())) {
          return null;
        }
        throw new ConfigError(
            cm == null
                ? "configmap \"" + ref.getName() + "\" not found"
                : "couldn't find key " + ref.getKey() + " in ConfigMap " + ns + "/" + ref.getName());
      }
      return v;
    }
    throw new ConfigError("env " + name + ": this valueFrom is not supported by LocalPodRuntime");
  }

  private Secret secret(String ns, String name) {
    return client.secrets().inNamespace(ns).withName(name).get();
  }

  private ConfigMap configMap(String ns, String name) {
    return client.configMaps().inNamespace(ns).withName(name).get();
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }

  /**
   * Kubernetes' {@code $(VAR)} expansion: a reference to a defined variable is replaced, an
   * undefined one is left as it is, and {@code $$} is an escaped {@code $}.
   */
  static String expand(String in, Map<String, String> env) {
    if (in.indexOf('$') < 0) {
      return in;
    }
    StringBuilder out = new StringBuilder(in.length());
    for (int i = 0; i < in.length(); i++) {
      char c = in.charAt(i);
      if (c != '$' || i + 1 >= in.length()) {
        out.append(c);
        continue;
      }
      char next = in.charAt(i + 1);
      if (next == '$') {
        out.append('$');
        i++;
      } else if (next == '(') {
        int close = in.indexOf(')', i + 2);
        if (close < 0) {
          out.append(in, i, in.length());
          break;
        }
        String name = in.substring(i + 2, close);
        String value = env.get(name);
        out.append(value != null ? value : in.substring(i, close + 1));
        i = close;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
