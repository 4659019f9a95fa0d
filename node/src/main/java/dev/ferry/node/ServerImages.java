package dev.ferry.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Builds of the server image for upgrades: build 1 is what Maven made; later builds are made here with Podman. */
public final class ServerImages {

    private ServerImages() {}

    /**
     * A second build of {@code base}, tagged {@code base-VERSION}, whose server answers VERSION with {@code version};
     * built with Podman (offline: the base is local) and imported into every node.
     */
    public static String secondBuild(NodeCluster cluster, String base, String version) {
        String image = base + "-" + version;
        try {
            Path dir = Files.createTempDirectory("ferry-server-build");
            try {
                Files.writeString(dir.resolve("Containerfile"), """
                        FROM %s
                        ENV FERRY_SERVER_VERSION=%s
                        LABEL org.opencontainers.image.version=%s
                        """.formatted(base, version, version));
                NodeCluster.run(
                        Duration.ofMinutes(3),
                        "podman",
                        "build",
                        "--quiet",
                        "--pull=never",
                        "-t",
                        image,
                        dir.toString());
            } finally {
                Files.deleteIfExists(dir.resolve("Containerfile"));
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the Containerfile: " + e.getMessage(), e);
        }
        cluster.importImage(image);
        return image;
    }
}
