package dev.ferry.conformance;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Go client's own checks in the build: {@code go vet ./...} and {@code go test ./...} over every package of
 * {@code client-go/}, including its integration tier, which starts reference servers from this test's class path
 * (the reference server is a dependency of this module) and a real redis-server.
 */
class GoClientModuleTest {
    private static final Logger log = LoggerFactory.getLogger(GoClientModuleTest.class);
    private static final Duration VET = Duration.ofMinutes(5);
    private static final Duration TEST = Duration.ofMinutes(10);

    @Test
    void goVetAndGoTestPass() throws Exception {
        GoModule module = GoModule.find();
        Path logs = ConformanceRun.outputDirectory().toAbsolutePath().resolve("go-module");
        module.run(logs.resolve("vet.log"), VET, Map.of(), "vet", "./...");
        String output = module.run(
                logs.resolve("test.log"),
                TEST,
                Map.of(
                        "FERRY_JAVA",
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "FERRY_REFERENCE_CLASSPATH",
                        System.getProperty("java.class.path"),
                        "FERRY_REDIS_SERVER",
                        redisServer()),
                "test",
                "-count=1",
                "./...");
        output.lines().filter(l -> l.startsWith("ok") || l.startsWith("?")).forEach(l -> log.info("go test: {}", l));
    }

    /** redis-server as the test kit finds it: REDIS_SERVER, else the PATH. */
    private static String redisServer() {
        String set = System.getenv("REDIS_SERVER");
        if (set != null && !set.isBlank()) return set;
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(d, "redis-server");
            if (Files.isExecutable(candidate)) return candidate.toString();
        }
        throw new AssertionError(
                "no redis-server on the PATH (scripts/setup-redis.sh installs it) and REDIS_SERVER unset");
    }
}
