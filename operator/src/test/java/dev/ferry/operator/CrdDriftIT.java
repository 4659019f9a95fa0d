package dev.ferry.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The CRD checked in under crds/ (what users install, and what the cluster tests apply) must be the
 * one the Quarkus build generates from the Java model, and the Helm chart's copy (deploy/helm/ferry/crds/) the same
 * file. Runs after package, when the file exists.
 */
class CrdDriftIT {

    private static final Logger log = Logger.getLogger(CrdDriftIT.class);
    private static final String FILE = "serverfleets.ferry.dev-v1.yml";
    private static final String HOW_TO_UPDATE =
            "run `mvn -f operator/pom.xml package -DskipTests && cp operator/target/kubernetes/" + FILE
                    + " crds/ && cp crds/" + FILE + " deploy/helm/ferry/crds/` to update crds/ and the chart"
                    + " (or verify with -Dferry.updateCrds=true, which copies it to both)";

    @Test
    void checkedInCrdMatchesTheGeneratedOne() throws IOException {
        Path root = Path.of(System.getProperty("ferry.repo.root", ".."))
                .toAbsolutePath()
                .normalize();
        Path generated = root.resolve("operator/target/kubernetes").resolve(FILE);
        Path checkedIn = root.resolve("crds").resolve(FILE);
        Path chart = root.resolve("deploy/helm/ferry/crds").resolve(FILE);
        assertThat(generated)
                .as("generated CRD (the Quarkus build writes it at package)")
                .exists();

        String want = Files.readString(generated);
        if (Boolean.getBoolean("ferry.updateCrds")) {
            Files.createDirectories(checkedIn.getParent());
            Files.copy(generated, checkedIn, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(generated, chart, StandardCopyOption.REPLACE_EXISTING);
            log.infof("Updated %s and %s from %s", checkedIn, chart, generated);
            return;
        }
        String have = Files.exists(checkedIn) ? Files.readString(checkedIn) : "";
        assertThat(have)
                .as("CRD drift: " + checkedIn + " differs from the generated CRD; " + HOW_TO_UPDATE)
                .isEqualTo(want);
        assertThat(Files.exists(chart) ? Files.readString(chart) : "")
                .as("CRD drift: the Helm chart's " + chart + " differs from the generated CRD; " + HOW_TO_UPDATE)
                .isEqualTo(want);
    }
}
