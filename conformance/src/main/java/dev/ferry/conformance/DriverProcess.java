package dev.ferry.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client driver as a child process, spoken to with the driver protocol (docs/conformance.md): one JSON request
 * per line on its stdin, one JSON answer per line on its stdout, in order. Its stderr goes to a log file.
 */
public final class DriverProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DriverProcess.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** End of the driver's stdout. */
    private static final String EOF = "\u0000eof";

    private final Process process;
    private final OutputStream stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Path logFile;
    private long nextId = 1;

    private DriverProcess(Process process, Path logFile) {
        this.process = process;
        this.stdin = process.getOutputStream();
        this.logFile = logFile;
        Thread.ofVirtual().name("ferry-conformance-driver-stdout").start(this::readStdout);
    }

    /** Starts {@code command}; its stderr goes to {@code logFile}. */
    public static DriverProcess start(List<String> command, Path logFile) {
        try {
            Files.createDirectories(logFile.getParent());
            Process p = ChildProcesses.track(new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.to(logFile.toFile()))
                    .start());
            return new DriverProcess(p, logFile);
        } catch (IOException e) {
            throw new ScenarioFailure("cannot start the driver " + command + ": " + e, e);
        }
    }

    private void readStdout() {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) lines.add(line);
        } catch (IOException e) {
            log.debug("driver stdout ended: {}", e.toString());
        } finally {
            lines.add(EOF);
        }
    }

    /**
     * Sends {@code request} (an "id" is added) and returns the driver's answer.
     *
     * @param timeout how long to wait for the answer (the request's own timeoutMs plus a margin)
     * @throws ScenarioFailure if the driver does not answer in time, exits, or answers something that is not a JSON
     *     object with the same id (a driver protocol violation)
     */
    public ObjectNode request(ObjectNode request, Duration timeout) {
        long id = nextId++;
        ObjectNode sent = request.deepCopy();
        sent.put("id", id);
        String text = sent.toString();
        try {
            stdin.write((text + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            throw new ScenarioFailure("cannot write to the driver (exited? " + exitNote() + "): " + e, e);
        }
        String line;
        try {
            line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScenarioFailure("interrupted waiting for the driver", e);
        }
        if (line == null) throw new ScenarioFailure("the driver did not answer " + text + " within " + timeout);
        if (line.equals(EOF)) {
            lines.add(EOF);
            throw new ScenarioFailure("the driver closed its stdout instead of answering " + text + " (" + exitNote()
                    + "); its log: " + logFile);
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(line);
        } catch (IOException e) {
            throw new ScenarioFailure("driver protocol: the answer to " + text + " is not JSON: " + line);
        }
        if (!(answer instanceof ObjectNode o)) {
            throw new ScenarioFailure("driver protocol: the answer to " + text + " is not a JSON object: " + line);
        }
        if (!o.path("id").canConvertToLong() || o.path("id").asLong() != id) {
            throw new ScenarioFailure("driver protocol: the answer to request id " + id + " carries id " + o.get("id")
                    + " (answers must come in order, one per request): " + line);
        }
        if (!o.path("ok").isBoolean()) {
            throw new ScenarioFailure("driver protocol: the answer has no boolean \"ok\": " + line);
        }
        return o;
    }

    private String exitNote() {
        return process.isAlive() ? "still running" : "exited with code " + process.exitValue();
    }

    public Path logFile() {
        return logFile;
    }

    /** Sends quit and waits a little for a clean exit; kills the driver if it does not go. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                try {
                    ObjectNode quit = JSON.createObjectNode().put("op", "quit");
                    request(quit, Duration.ofSeconds(10));
                } catch (ScenarioFailure e) {
                    log.warn("driver did not answer quit: {}", e.getMessage());
                }
                if (!process.waitFor(10, TimeUnit.SECONDS))
                    log.warn("driver did not exit within 10 s of quit; killing it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            process.destroyForcibly();
        }
    }
}
