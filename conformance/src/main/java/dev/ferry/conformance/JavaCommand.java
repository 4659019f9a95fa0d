package dev.ferry.conformance;

import java.nio.file.Path;
import java.util.List;

/** How the harness starts a JVM child (a reference server, the Java driver). */
final class JavaCommand {
    private JavaCommand() {}

    /**
     * The running JVM's {@code java} with flags for short-lived test processes: C1 only and the serial collector
     * start faster and use less CPU on a shared 2-core machine, which is what scenario start-up is bound by.
     */
    static List<String> java() {
        return List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xmx256m",
                "-Xss512k");
    }
}
