package dev.ferry.operator.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kube-apiserver's own record of the requests it served: at {@code -v=3} it logs one
 * {@code "HTTP"} line per request (verb, URI, user agent, status) when the request ends. Reading
 * the lines written between two offsets counts exactly what one client asked for in that time,
 * with nothing added to the client under test.
 */
final class ApiRequestLog {

  /** klog's header: severity, MMDD, then the local time of the line. */
  private static final Pattern HEADER = Pattern.compile("^[IWEF]\\d{4} (\\d{2}:\\d{2}:\\d{2}\\.\\d+)");
  private static final Pattern REQUEST =
      Pattern.compile("\"HTTP\" verb=\"(\\w+)\" URI=\"([^\"]*)\".*?userAgent=\"([^\"]*)\".*?resp=(\\d+)");

  /** One served request. */
  record Request(String verb, String uri, String userAgent, int status) {
    /** The resource the URI names ({@code pods}, {@code serverfleets/status}, ...), without namespace or name. */
    String resource() {
      String path = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
      String[] parts = path.split("/");
      // /api/v1/namespaces/ns/pods/name/status or /apis/g/v/namespaces/ns/kind/name
      int i = path.startsWith("/apis/") ? 4 : 3;
      if (parts.length > i && "namespaces".equals(parts[i]) && parts.length > i + 2) {
        i += 2;
      }
      if (parts.length <= i) {
        return path;
      }
      String resource = parts[i];
      if (parts.length > i + 2) {
        resource += "/" + parts[i + 2];
      }
      return resource;
    }
  }

  /** Requests counted in a window, by what they were. */
  record Counts(long total, long watches, Map<String, Long> byVerbAndResource) {
    /** Requests that are not long-lived watches: each one a round trip the operator waited for. */
    long requests() {
      return total - watches;
    }

    /** Requests (not watches) on {@code resource}, e.g. {@code leases}, whatever the verb. */
    long requestsOn(String resource) {
      return byVerbAndResource.entrySet().stream()
          .filter(e -> e.getKey().endsWith(" " + resource) && !e.getKey().startsWith("WATCH "))
          .mapToLong(Map.Entry::getValue).sum();
    }
  }

  private final Path file;

  ApiRequestLog(Path file) {
    this.file = file;
  }

  /** The current end of the log: what is read later starts here. */
  long offset() {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Requests that ended between the local times {@code start} and {@code end}, found in the log
   * from offset {@code from} on, whose user agent passes {@code agent}. By time, not by offset: the
   * API server writes its log in batches, so a line can land seconds after its request.
   */
  Counts count(long from, LocalTime start, LocalTime end, Predicate<String> agent) {
    long total = 0;
    long watches = 0;
    Map<String, Long> by = new TreeMap<>();
    for (String line : read(from, offset()).split("\n")) {
      Matcher m = REQUEST.matcher(line);
      if (!m.find() || !agent.test(m.group(3))) {
        continue;
      }
      Matcher h = HEADER.matcher(line);
      if (!h.find()) {
        continue;
      }
      LocalTime at = LocalTime.parse(h.group(1));
      if (at.isBefore(start) || at.isAfter(end)) {
        continue;
      }
      Request r = new Request(m.group(1), m.group(2), m.group(3), Integer.parseInt(m.group(4)));
      total++;
      if ("WATCH".equals(r.verb()) || r.uri().contains("watch=true")) {
        watches++;
      }
      by.merge(r.verb() + " " + r.resource(), 1L, Long::sum);
    }
    return new Counts(total, watches, by);
  }

  /** Whether a line written after the local time {@code t} is in the log: everything up to {@code t} is then written. */
  boolean writtenPast(long from, LocalTime t) {
    String text = read(from, offset());
    int last = text.lastIndexOf('\n', text.length() - 2);
    Matcher h = HEADER.matcher(text.substring(last + 1));
    return h.find() && LocalTime.parse(h.group(1)).isAfter(t);
  }

  /** User agents of the requests logged from offset {@code from} on, with their request counts. */
  Map<String, Long> agents(long from) {
    Map<String, Long> agents = new TreeMap<>();
    for (String line : read(from, offset()).split("\n")) {
      Matcher m = REQUEST.matcher(line);
      if (m.find()) {
        agents.merge(m.group(3), 1L, Long::sum);
      }
    }
    return agents;
  }

  private String read(long from, long to) {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      byte[] bytes = new byte[(int) Math.max(0, to - from)];
      f.seek(from);
      f.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
