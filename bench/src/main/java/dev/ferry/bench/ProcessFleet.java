package dev.ferry.bench;

import dev.ferry.testkit.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet as separate processes, like pods: one real redis-server, reference servers started with
 * {@code java -jar} (each its own JVM, port and admin port, configured through environment
 * variables as a pod template would) and client worker JVMs. Every process is stopped by
 * {@link #close()}, which a shutdown hook also runs on Ctrl-C.
 */
final class ProcessFleet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProcessFleet.class);
    private static final Pattern READY = Pattern.compile("FERRY READY name=(\\S+) address=(\\S+) admin=(\\S+)");

    /** A reference server process and what its READY line said. */
    record Server(String name, String address, String adminAddress, ChildProcess process, AdminClient admin) {}

    /** How to launch the child JVMs. */
    record Launch(String java, Path serverJar, Path benchJar, List<String> jvmArgs, Path jfrDir, Path logDir) {
        /**
         * Launches this JVM's java with private copies of the jars: a build elsewhere that rewrites
         * a jar under a running JVM breaks its class loading.
         */
        static Launch prepare(Path serverJar, List<String> jvmArgs, Path jfrDir, Path logDir) throws IOException {
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path jars = Files.createTempDirectory("ferry-bench-jars-");
            Path serverCopy = Files.copy(Jars.serverJar(serverJar), jars.resolve("ferry-server.jar"));
            Path benchCopy = Files.copy(Jars.benchJar(), jars.resolve("ferry-bench.jar"));
            jars.toFile().deleteOnExit(); // deleted last: files registered later go first
            serverCopy.toFile().deleteOnExit();
            benchCopy.toFile().deleteOnExit();
            if (jfrDir != null) Files.createDirectories(jfrDir);
            return new Launch(
                    java,
                    serverCopy,
                    benchCopy,
                    List.copyOf(jvmArgs),
                    jfrDir == null ? null : jfrDir.toAbsolutePath(),
                    logDir);
        }

        List<String> jvm(String name) {
            List<String> c = new ArrayList<>();
            c.add(java);
            c.addAll(jvmArgs);
            if (jfrDir != null) {
                // One continuous recording per process; the benchmark dumps each measured drain's
                // window from it with jcmd JFR.dump begin/end. CPU-time samples (JDK 25) also see
                // native code and syscalls, which execution samples miss.
                c.add("-XX:StartFlightRecording=name=ferry,settings=profile,maxage=30m,dumponexit=true,filename="
                        + jfrDir.resolve(name + "-whole-run.jfr")
                        + ",jdk.CPUTimeSample#enabled=true,jdk.CPUTimeSample#throttle=5ms");
            }
            return c;
        }
    }

    private final Launch launch;
    private final String token;
    private final RedisServer redis;
    private final List<Server> servers = new ArrayList<>();
    private final List<ChildProcess> workers = new ArrayList<>();
    /** Workers running the Go client ({@code client-go/cmd/ferry-bench-worker}), when asked for: same protocol. */
    private final List<ChildProcess> goWorkers = new ArrayList<>();
    /** Every server process started, READY or not, so close() stops them all. */
    private final List<ChildProcess> serverProcesses = new ArrayList<>();

    private final Thread hook = new Thread(this::close, "bench-cleanup");
    private volatile boolean closed;

    ProcessFleet(Launch launch, int serverCount, int workerCount, int clientThreads) throws Exception {
        this(launch, serverCount, workerCount, clientThreads, null);
    }

    /** @param goWorker the Go client's worker binary: as many Go workers as Java ones start too; null: none */
    ProcessFleet(Launch launch, int serverCount, int workerCount, int clientThreads, Path goWorker) throws Exception {
        this.launch = launch;
        byte[] t = new byte[24];
        new SecureRandom().nextBytes(t);
        this.token = HexFormat.of().formatHex(t);
        Runtime.getRuntime().addShutdownHook(hook);
        this.redis = RedisServer.startDefault();
        try {
            List<ChildProcess> starting = serverProcesses;
            for (int i = 0; i < serverCount; i++) {
                String name = "pod-" + i;
                List<String> cmd = launch.jvm(name);
                // The reference server from the server jar, started through BenchServer (bench jar, after
                // the server jar on the class path so every SDK class comes from the server jar): the same
                // server, plus the move decisions and STREAMFROM the benchmarks measure with.
                cmd.addAll(List.of(
                        "-cp",
                        launch.serverJar() + java.io.File.pathSeparator + launch.benchJar(),
                        dev.ferry.bench.server.BenchServer.class.getName()));
                Map<String, String> env = new LinkedHashMap<>();
                env.put("FERRY_SERVER_NAME", name);
                env.put("FERRY_PORT", "0");
                env.put("FERRY_ADMIN_PORT", "0");
                env.put("FERRY_ADMIN_TOKEN", token);
                env.put("FERRY_STORE_URI", redis.uri());
                env.put("FERRY_PEERS", ""); // the benchmark names the targets of every drain itself
                starting.add(ChildProcess.start(
                        name,
                        cmd,
                        env,
                        launch.logDir(),
                        line -> line.startsWith("FERRY READY") || WorkerProtocol.isProtocolLine(line)));
            }
            for (ChildProcess p : starting) {
                String line =
                        p.await("FERRY READY line", Duration.ofSeconds(60)).text();
                Matcher m = READY.matcher(line);
                if (!m.find()) throw new IllegalStateException(p.name() + " printed an unexpected READY line: " + line);
                servers.add(new Server(m.group(1), m.group(2), m.group(3), p, new AdminClient(m.group(3), token)));
                log.info("{} ready: clients {} admin {} (pid {})", m.group(1), m.group(2), m.group(3), p.pid());
            }
            for (int i = 0; i < workerCount; i++) {
                String name = "worker-" + i;
                List<String> cmd = launch.jvm(name);
                cmd.addAll(List.of(
                        "-cp",
                        launch.benchJar().toString(),
                        BenchMain.class.getName(),
                        "client-worker",
                        "--id",
                        Integer.toString(i),
                        "--client-threads",
                        Integer.toString(clientThreads)));
                workers.add(ChildProcess.start(name, cmd, Map.of(), launch.logDir(), WorkerProtocol::isProtocolLine));
            }
            for (int i = 0; goWorker != null && i < workerCount; i++) {
                goWorkers.add(ChildProcess.start(
                        "go-worker-" + i,
                        List.of(goWorker.toString(), "--id", Integer.toString(i)),
                        Map.of(),
                        launch.logDir(),
                        WorkerProtocol::isProtocolLine));
            }
            for (ChildProcess w : allWorkers()) {
                WorkerProtocol.Message m = WorkerProtocol.parse(
                        w.await("READY", Duration.ofSeconds(60)).text());
                if (!m.word().equals("READY"))
                    throw new IllegalStateException(w.name() + " said " + m.word() + " instead of READY");
            }
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    Server server(int i) {
        return servers.get(i);
    }

    List<Server> servers() {
        return List.copyOf(servers);
    }

    /** The Go client's workers (empty unless the fleet was made with a Go worker binary). */
    List<ChildProcess> goWorkers() {
        return List.copyOf(goWorkers);
    }

    private List<ChildProcess> allWorkers() {
        List<ChildProcess> all = new ArrayList<>(workers);
        all.addAll(goWorkers);
        return all;
    }

    List<ChildProcess> workers() {
        return List.copyOf(workers);
    }

    RedisServer redis() {
        return redis;
    }

    Launch launch() {
        return launch;
    }

    /**
     * When server {@code i} decided each of its sessions must move since the last call, by session
     * ID ({@link System#nanoTime()} of this machine); see {@link dev.ferry.bench.server.MoveDecisions}.
     */
    Map<String, Long> moveDecisions(int i) throws Exception {
        ChildProcess p = servers.get(i).process();
        p.send("DECISIONS");
        WorkerProtocol.Message m = WorkerProtocol.parse(
                p.await("DECISIONS", Duration.ofSeconds(60)).text());
        if (!m.word().equals("DECISIONS"))
            throw new IllegalStateException(p.name() + " said " + m.word() + " instead of DECISIONS");
        Map<String, Long> d = new LinkedHashMap<>();
        m.body().properties().forEach(e -> d.put(e.getKey(), e.getValue().asLong()));
        return d;
    }

    /** Every process whose CPU time the benchmark reports, by name; the coordinator is this JVM. */
    Map<String, Long> pids() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("coordinator", ProcessHandle.current().pid());
        ProcessHandle.current()
                .children()
                // Debian's redis-server is a link to redis-check-rdb: match on "redis".
                .filter(h -> h.info().command().map(c -> c.contains("redis")).orElse(false))
                .findFirst()
                .ifPresent(h -> m.put("redis-server", h.pid()));
        for (Server s : servers) m.put(s.name(), s.process().pid());
        for (ChildProcess w : allWorkers()) m.put(w.name(), w.pid());
        return m;
    }

    /** Java children by name, for jcmd. */
    Map<String, Long> javaPids() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Server s : servers) m.put(s.name(), s.process().pid());
        for (ChildProcess w : allWorkers()) m.put(w.name(), w.pid());
        return m;
    }

    /** Writes the window [begin, end] of each child's JFR recording to {@code <jfrDir>/<name>-<label>.jfr}. */
    List<Path> dumpJfr(String label, java.time.Instant begin, java.time.Instant end) {
        List<Path> files = new ArrayList<>();
        if (launch.jfrDir() == null) return files;
        String jcmd = Path.of(launch.java()).resolveSibling("jcmd").toString();
        javaPids().forEach((name, pid) -> {
            Path f = launch.jfrDir().resolve(name + "-" + label + ".jfr");
            try {
                Process p = new ProcessBuilder(
                                jcmd,
                                Long.toString(pid),
                                "JFR.dump",
                                "name=ferry",
                                "begin=" + begin,
                                "end=" + end,
                                "filename=" + f)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly();
                if (Files.exists(f)) files.add(f);
                else log.warn("jcmd JFR.dump wrote no {} (exit {})", f, p.isAlive() ? "?" : p.exitValue());
            } catch (IOException e) {
                log.warn("jcmd JFR.dump for {} failed: {}", name, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return files;
    }

    /** Sends QUIT to the workers and waits for them, then SIGTERM to servers (destroyForcibly after a grace). */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (ChildProcess w : allWorkers()) {
            try {
                if (w.isAlive()) w.send("QUIT");
            } catch (RuntimeException e) {
                log.debug("{}: {}", w.name(), e.toString());
            }
        }
        for (ChildProcess w : allWorkers()) {
            try {
                w.await("CLOSED", Duration.ofSeconds(20));
            } catch (TimeoutException | RuntimeException e) {
                log.debug("{} did not confirm QUIT: {}", w.name(), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            w.stop(Duration.ofSeconds(10));
        }
        // SIGTERM makes a reference server drain to its peers (none set here) and exit.
        for (ChildProcess s : serverProcesses) s.stop(Duration.ofSeconds(15));
        if (redis != null) redis.close();
        if (Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down already
            }
        }
    }
}
