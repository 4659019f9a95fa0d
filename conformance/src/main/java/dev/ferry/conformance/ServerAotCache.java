package dev.ferry.conformance;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JDK AOT cache (JEP 483/514) for the reference server, made once per test JVM by one training start of a server
 * that is then stopped with SIGTERM. A run starts about eighty servers; with the cache each is ready in roughly 60%
 * of the time, which is most of what keeps the suite within its time budget on a 2-core machine. Without a JDK 25+,
 * or when the server's classes are not all in jars (the JDK caches classes from jars only), or when the training
 * fails, servers start without it: slower, otherwise the same.
 */
final class ServerAotCache {
    private static final Logger log = LoggerFactory.getLogger(ServerAotCache.class);
    private static final Duration TRAINING = Duration.ofSeconds(90);

    private static boolean tried;
    private static Path cache;

    private ServerAotCache() {}

    /** The server's class path: only the jars of this JVM's class path when the server is in one of them. */
    static String serverClassPath() {
        String full = System.getProperty("java.class.path");
        if (!serverInJar()) return full;
        List<String> jars = Arrays.stream(full.split(File.pathSeparator))
                .filter(e -> e.endsWith(".jar"))
                .toList();
        return String.join(File.pathSeparator, jars);
    }

    private static boolean serverInJar() {
        URL url = ClassLoader.getSystemResource(ReferenceServerProcess.MAIN_CLASS.replace('.', '/') + ".class");
        return url != null && "jar".equals(url.getProtocol());
    }

    /** The JVM flags that use the cache, training it first if this is the first call; empty if there is none. */
    static synchronized List<String> flags(Map<String, String> trainingEnv, Path directory) {
        if (!tried) {
            tried = true;
            cache = train(trainingEnv, directory).orElse(null);
        }
        return cache == null ? List.of() : List.of("-XX:AOTCache=" + cache, "-XX:AOTMode=auto");
    }

    private static Optional<Path> train(Map<String, String> env, Path directory) {
        if (Runtime.version().feature() < 25) {
            log.info(
                    "no AOT cache for the servers: the JDK is {} (25+ needed)",
                    Runtime.version().feature());
            return Optional.empty();
        }
        if (!serverInJar()) {
            log.info("no AOT cache for the servers: the reference server's classes are not in a jar");
            return Optional.empty();
        }
        Path file = directory.resolve("reference-server.aot");
        try {
            Files.createDirectories(directory);
            Files.deleteIfExists(file);
            long start = System.nanoTime();
            ReferenceServerProcess training = ReferenceServerProcess.launch(
                    "aot-training", env, directory.resolve("aot-training.log"), List.of("-XX:AOTCacheOutput=" + file));
            try {
                training.awaitReady(TRAINING);
                // The cache is written when the JVM exits normally: SIGTERM, which the server answers with a drain
                // of no sessions and an exit.
                if (!training.terminate(TRAINING)) {
                    log.warn(
                            "AOT training server did not exit within {} of SIGTERM; servers start without a cache",
                            TRAINING);
                    return Optional.empty();
                }
            } finally {
                training.close();
            }
            if (!Files.isRegularFile(file)) {
                log.warn(
                        "AOT training ({}) wrote no cache (see {}); servers start without one",
                        training.exitDescription(),
                        directory.resolve("aot-training.log"));
                return Optional.empty();
            }
            log.info(
                    "AOT cache for the servers: {} ({} MB) in {} ms",
                    file,
                    Files.size(file) >> 20,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            return Optional.of(file);
        } catch (IOException | RuntimeException e) {
            log.warn("AOT training failed; servers start without a cache: {}", e.toString());
            return Optional.empty();
        }
    }
}
