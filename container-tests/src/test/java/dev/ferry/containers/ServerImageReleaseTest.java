package dev.ferry.containers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectImageResponse;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.DockerClientFactory;

/**
 * What the server image says about itself: its two tags (the project version, and VERSION-COMMIT for the commit it
 * was built from) name one image, its OCI labels give version, revision and creation time, and its CycloneDX SBOM,
 * written beside it by the same build, lists exactly the jars the image carries in /app/libs and the parts of its
 * base image (glibc, libgcc, the jlinked Java runtime of the version the image holds).
 */
@ExtendWith(ContainerTier.class)
class ServerImageReleaseTest {

    private static final String VERSION = System.getProperty("ferry.project.version");
    private final DockerClient docker = DockerClientFactory.instance().client();

    @Test
    void bothTagsNameOneImageWithItsOciLabels() throws Exception {
        InspectImageResponse image =
                docker.inspectImageCmd(ContainerTier.serverImage()).exec();
        Map<String, String> labels = image.getConfig().getLabels();
        assertThat(labels)
                .containsEntry("org.opencontainers.image.title", "ferry-server")
                .containsEntry("org.opencontainers.image.version", VERSION)
                .containsKeys(
                        "org.opencontainers.image.source",
                        "org.opencontainers.image.licenses",
                        "org.opencontainers.image.vendor");
        String revision = labels.get("org.opencontainers.image.revision");
        assertThat(revision).matches("[0-9a-f]{40}");
        assertThat(labels.get("org.opencontainers.image.created"))
                .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        String commitTag = VERSION + "-" + revision.substring(0, 7);
        assertThat(labels).containsEntry("org.opencontainers.image.ref.name", commitTag);
        String repository = ContainerTier.serverImage()
                .substring(0, ContainerTier.serverImage().lastIndexOf(':'));
        assertThat(docker.inspectImageCmd(repository + ":" + commitTag).exec().getId())
                .as("the VERSION-COMMIT tag names the same image")
                .isEqualTo(image.getId());
        String head = git("rev-parse", "HEAD");
        if (!head.isEmpty()) {
            assertThat(revision).as("built from this checkout's commit").isEqualTo(head);
        }
        assertThat(labels.get("dev.ferry.sbom"))
                .isEqualTo("server-image/target/ferry-server-" + VERSION + "-sbom.json");
    }

    @Test
    void theSbomListsTheJarsTheImageCarries() throws Exception {
        InspectImageResponse image =
                docker.inspectImageCmd(ContainerTier.serverImage()).exec();
        Path sbomFile = repoRoot().resolve(image.getConfig().getLabels().get("dev.ferry.sbom"));
        JsonNode sbom = new ObjectMapper().readTree(sbomFile.toFile());
        assertThat(sbom.path("bomFormat").asText()).isEqualTo("CycloneDX");
        assertThat(sbom.path("metadata").path("component").path("version").asText())
                .isEqualTo(VERSION);
        Set<String> listed = new TreeSet<>();
        Map<String, String> base = new java.util.TreeMap<>();
        for (JsonNode c : sbom.path("components")) {
            if (!c.path("purl").asText().startsWith("pkg:maven/")) {
                base.put(c.path("name").asText(), c.path("version").asText());
                continue;
            }
            assertThat(c.path("hashes")).as(c.path("name").asText() + " hashes").isNotEmpty();
            // A jar with a classifier (pkg:maven/...?classifier=linux-x86_64&type=jar) is NAME-VERSION-CLASSIFIER.jar.
            String classifier = java.util.regex.Pattern.compile("[?&]classifier=([^&]+)")
                    .matcher(c.path("purl").asText())
                    .results()
                    .map(m -> "-" + m.group(1))
                    .findFirst()
                    .orElse("");
            listed.add(c.path("name").asText() + "-" + c.path("version").asText() + classifier + ".jar");
        }

        Set<String> inImage = new TreeSet<>();
        String id = docker.createContainerCmd(image.getId())
                .withLabels(Map.of(ContainerTier.LABEL, ContainerTier.LABEL_VALUE))
                .exec()
                .getId();
        try (InputStream tar =
                        docker.copyArchiveFromContainerCmd(id, "/app/libs").exec();
                TarArchiveInputStream entries = new TarArchiveInputStream(tar)) {
            for (TarArchiveEntry e = entries.getNextEntry(); e != null; e = entries.getNextEntry()) {
                if (e.isFile() && e.getName().endsWith(".jar")) {
                    inImage.add(e.getName().substring(e.getName().lastIndexOf('/') + 1));
                }
            }
        } finally {
            docker.removeContainerCmd(id).withForce(true).exec();
        }
        assertThat(inImage).as("jars in /app/libs").isNotEmpty();
        assertThat(listed).as("the SBOM's Maven components").isEqualTo(inImage);

        // The base image's parts (scripts/containers.sh): Debian's glibc and libgcc, and the jlinked runtime, whose
        // version is the one the image's own /opt/java/release names.
        assertThat(base).containsOnlyKeys("libc6", "libgcc-s1", "temurin-jre");
        String release = fileInImage(image.getId(), "/opt/java/release");
        String javaVersion = release.lines()
                .filter(l -> l.startsWith("JAVA_VERSION="))
                .map(l -> l.substring("JAVA_VERSION=".length()).replace("\"", ""))
                .findFirst()
                .orElseThrow();
        assertThat(base.get("temurin-jre")).startsWith(javaVersion + "+");
    }

    /** One file of the image, read from a container created (not started) from it. */
    private String fileInImage(String imageId, String path) throws Exception {
        String id = docker.createContainerCmd(imageId)
                .withLabels(Map.of(ContainerTier.LABEL, ContainerTier.LABEL_VALUE))
                .exec()
                .getId();
        try (InputStream tar = docker.copyArchiveFromContainerCmd(id, path).exec();
                TarArchiveInputStream entries = new TarArchiveInputStream(tar)) {
            entries.getNextEntry();
            return new String(entries.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            docker.removeContainerCmd(id).withForce(true).exec();
        }
    }

    private static Path repoRoot() {
        return Path.of(System.getProperty("ferry.repo.root", ".."))
                .toAbsolutePath()
                .normalize();
    }

    /** git's answer in the repository, or "" where there is no git. */
    private static String git(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "git";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p;
        try {
            p = new ProcessBuilder(command)
                    .directory(repoRoot().toFile())
                    .redirectErrorStream(true)
                    .start();
        } catch (java.io.IOException noGit) {
            return "";
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("git " + String.join(" ", args) + " did not finish in 30 s");
        }
        return p.exitValue() == 0 ? out : "";
    }
}
