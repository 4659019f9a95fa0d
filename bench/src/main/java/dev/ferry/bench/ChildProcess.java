package dev.ferry.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A child JVM (or any process) of the benchmark: its stdout is read line by line on a daemon
 * thread; lines starting with the protocol prefix go to a queue the coordinator waits on, every
 * other line (and all of stderr) goes to a log file under the results directory.
 */
final class ChildProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChildProcess.class);
    private static final Line EOF = new Line("\u0000EOF", 0);

    /** A protocol line and when it was read ({@link System#nanoTime()}), so waiting late does not skew timings. */
    record Line(String text, long nanos) {}

    private final String name;
    private final Process process;
    private final PrintWriter stdin;
    private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();
    private final Path logFile;
    private final Predicate<String> protocolLine;

    private ChildProcess(String name, Process process, Path logFile, Predicate<String> protocolLine) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.protocolLine = protocolLine;
        this.stdin = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        Thread reader = new Thread(this::pump, "stdout-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code command}; stderr is appended to {@code logDir/<name>.log}, and so is every stdout
     * line {@code protocolLine} rejects.
     */
    static ChildProcess start(
            String name, List<String> command, Map<String, String> env, Path logDir, Predicate<String> protocolLine)
            throws IOException {
        Files.createDirectories(logDir);
        Path logFile = logDir.resolve(name + ".log");
        Files.deleteIfExists(logFile);
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        pb.environment().putAll(env);
        log.debug("starting {}: {}", name, String.join(" ", command));
        return new ChildProcess(name, pb.start(), logFile, protocolLine);
    }

    private void pump() {
        try (BufferedReader r =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                Writer out =
                        Files.newBufferedWriter(logFile.resolveSibling(name + ".stdout.log"), StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (protocolLine.test(line)) {
                    lines.add(new Line(line, System.nanoTime()));
                } else {
                    out.write(line);
                    out.write('\n');
                    out.flush();
                }
            }
        } catch (IOException e) {
            log.debug("{}: stdout closed: {}", name, e.toString());
        } finally {
            lines.add(EOF);
        }
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    Path logFile() {
        return logFile;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    void send(String line) {
        stdin.println(line);
        if (stdin.checkError())
            throw new IllegalStateException(name + " no longer reads its stdin (exited? see " + logFile + ")");
    }

    /** The next protocol line, or a {@link TimeoutException} naming what was awaited. */
    Line await(String what, Duration timeout) throws TimeoutException, InterruptedException {
        Line line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null)
            throw new TimeoutException(name + ": no " + what + " within " + timeout + " (log: " + logFile + ")");
        if (line == EOF) {
            lines.add(EOF); // later callers see it too
            throw new IllegalStateException(name + " exited before sending " + what + " (exit "
                    + (process.isAlive() ? "?" : String.valueOf(process.exitValue())) + ", log: " + logFile + ")");
        }
        return line;
    }

    /** SIGKILL now, as when a node dies: nothing runs in the process any more, the kernel resets its connections. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then SIGKILL if the process is still there after {@code grace}. */
    void stop(Duration grace) {
        if (!process.isAlive()) return;
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("{} did not stop within {} after SIGTERM: killing it", name, grace);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }
}
