package dev.ferry.controlplane;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the control-plane components started as child processes (controller manager, scheduler)
 * share: waiting for their secure {@code /healthz} on loopback, and stopping them.
 */
final class ComponentProcess {
    private static final Logger log = LoggerFactory.getLogger(ComponentProcess.class);

    private ComponentProcess() {}

    /**
     * Waits until {@code https://127.0.0.1:port/healthz} answers 200. On timeout or exit, stops the
     * process and throws with the tail of its log.
     */
    static void awaitHealthy(String name, Process process, int port, Path logFile, Duration timeout) {
        HttpClient http = ControllerManager.insecureLoopbackClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/healthz"))
                .timeout(Duration.ofSeconds(5))
                .build();
        try {
            await(name + " /healthz")
                    .atMost(timeout)
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("exited with " + process.exitValue());
                        }
                        return http.send(request, HttpResponse.BodyHandlers.discarding())
                                        .statusCode()
                                == 200;
                    });
        } catch (ConditionTimeoutException e) {
            String tail = LogFiles.tail(logFile, 40);
            stop(name, process);
            throw new IllegalStateException(
                    name + " did not become healthy; last lines of " + logFile + ":\n" + tail, e);
        } finally {
            http.close();
        }
    }

    /** SIGTERM, then SIGKILL after 10 s. */
    static void stop(String name, Process process) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        log.info("Stopped {} (pid {})", name, process.pid());
    }
}
