package dev.ferry.bench.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.testkit.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Prometheus server process on a loopback port, with its configuration and data in a directory of
 * its own, and a client for its HTTP query API. {@link #close()} stops it.
 */
final class PrometheusProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PrometheusProcess.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final String base;
    final Path logFile;

    private PrometheusProcess(Process process, String base, Path logFile) {
        this.process = process;
        this.base = base;
        this.logFile = logFile;
    }

    /** Starts {@code binary} with {@code dir/prometheus.yml}; a port taken meanwhile makes it try another, 5 times. */
    static PrometheusProcess start(Path binary, Path dir, Duration readyWithin)
            throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = FreePorts.next();
            Path logFile = dir.resolve("prometheus.log");
            Process p = new ProcessBuilder(List.of(
                            binary.toString(),
                            "--config.file=" + dir.resolve("prometheus.yml"),
                            "--storage.tsdb.path=" + dir.resolve("data"),
                            "--web.listen-address=127.0.0.1:" + port,
                            "--log.level=warn"))
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile())
                    .start();
            PrometheusProcess prometheus = new PrometheusProcess(p, "http://127.0.0.1:" + port, logFile);
            long deadline = System.nanoTime() + readyWithin.toNanos();
            while (p.isAlive() && System.nanoTime() < deadline) {
                if (prometheus.ready()) {
                    log.info("Prometheus ready on 127.0.0.1:{}", port);
                    return prometheus;
                }
                p.waitFor(200, TimeUnit.MILLISECONDS); // bounded poll of the readiness endpoint
            }
            prometheus.close();
            String output = Files.readString(logFile);
            last = new IOException("Prometheus did not become ready on port " + port + ": " + output);
            if (!output.contains("address already in use")) break;
        }
        throw last;
    }

    private boolean ready() {
        try {
            return HTTP.send(
                                    HttpRequest.newBuilder(URI.create(base + "/-/ready"))
                                            .timeout(Duration.ofSeconds(2))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** GET {@code path} of the API with query parameters given as name, value, name, value...; the "data" part. */
    JsonNode api(String path, String... params) throws IOException, InterruptedException {
        StringBuilder q = new StringBuilder();
        for (int i = 0; i < params.length; i += 2) {
            q.append(i == 0 ? "?" : "&")
                    .append(params[i])
                    .append('=')
                    .append(URLEncoder.encode(params[i + 1], StandardCharsets.UTF_8));
        }
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(base + path + q))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(body.path("status").asText()))
            throw new IOException(path + q + ": HTTP " + r.statusCode() + " " + r.body());
        return body.path("data");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
