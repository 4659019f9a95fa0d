package dev.ferry.bench;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the jars the benchmark launches: this one (for client workers) and the reference server's. */
final class Jars {
    private Jars() {}

    /** The jar (or classes directory) this class was loaded from. */
    static Path benchJar() {
        try {
            return Path.of(BenchMain.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the bench jar", e);
        }
    }

    /**
     * {@code explicit} if given, else {@code server-image/target/ferry-server-image-*-runnable.jar}
     * in the working directory or one of its parents, or next to this jar's repository.
     */
    static Path serverJar(Path explicit) throws IOException {
        if (explicit != null) {
            if (!Files.isRegularFile(explicit))
                throw new IllegalArgumentException("--server-jar " + explicit + " is not a file");
            return explicit.toAbsolutePath();
        }
        for (Path start : new Path[] {Path.of("").toAbsolutePath(), benchJar().toAbsolutePath()}) {
            for (Path dir = start; dir != null; dir = dir.getParent()) {
                Path target = dir.resolve("server-image").resolve("target");
                if (Files.isDirectory(target)) {
                    try (DirectoryStream<Path> jars =
                            Files.newDirectoryStream(target, "ferry-server-image-*-runnable.jar")) {
                        for (Path j : jars) return j;
                    }
                }
            }
        }
        throw new IllegalArgumentException("no server-image/target/ferry-server-image-*-runnable.jar found from "
                + Path.of("").toAbsolutePath() + "; build it (mvn -pl server-image install) or pass --server-jar");
    }
}
