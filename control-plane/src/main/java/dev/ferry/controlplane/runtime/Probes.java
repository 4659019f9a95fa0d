package dev.ferry.controlplane.runtime;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The kubelet's httpGet and tcpSocket probe actions, against the pod's address. */
final class Probes {

  private Probes() {}

  /** Runs the probe's action once; true on success (HTTP 200..399, or a TCP connect). */
  static boolean run(HttpClient http, Probe probe, Container container, String podIP) {
    Duration timeout = Duration.ofSeconds(orDefault(probe.getTimeoutSeconds(), 1));
    try {
      if (probe.getHttpGet() != null) {
        var get = probe.getHttpGet();
        String host = get.getHost() == null || get.getHost().isBlank() ? podIP : get.getHost();
        String scheme = get.getScheme() == null ? "http" : get.getScheme().toLowerCase(java.util.Locale.ROOT);
        String path = get.getPath() == null || get.getPath().isEmpty() ? "/" : get.getPath();
        if (!path.startsWith("/")) {
          path = "/" + path;
        }
        HttpRequest.Builder request =
            HttpRequest.newBuilder(URI.create(scheme + "://" + host + ":" + port(get.getPort(), container) + path))
                .timeout(timeout)
                .header("User-Agent", "kube-probe/ferry-local")
                .GET();
        if (get.getHttpHeaders() != null) {
          for (HTTPHeader h : get.getHttpHeaders()) {
            request.header(h.getName(), h.getValue());
          }
        }
        int status = http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        return status >= 200 && status < 400;
      }
      if (probe.getTcpSocket() != null) {
        var tcp = probe.getTcpSocket();
        String host = tcp.getHost() == null || tcp.getHost().isBlank() ? podIP : tcp.getHost();
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(host, port(tcp.getPort(), container)), (int) timeout.toMillis());
          return true;
        }
      }
      // exec and grpc probes are not run locally: treated as passing.
      return true;
    } catch (IOException | IllegalArgumentException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A probe port: a number, or the name of one of the container's ports. */
  static int port(IntOrString port, Container container) {
    if (port == null) {
      throw new IllegalArgumentException("probe without a port");
    }
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    String name = port.getStrVal();
    if (name.matches("\\d+")) {
      return Integer.parseInt(name);
    }
    if (container.getPorts() != null) {
      for (ContainerPort p : container.getPorts()) {
        if (name.equals(p.getName())) {
          return p.getContainerPort();
        }
      }
    }
    throw new IllegalArgumentException("container " + container.getName() + " has no port named " + name);
  }

  static int orDefault(Integer value, int dflt) {
    return value == null ? dflt : value;
  }
}
