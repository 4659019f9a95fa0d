package dev.ferry.operator.deploy;

import dev.ferry.operator.cluster.ServerFleetCrd;
import java.nio.file.Path;

/** Where deploy/ is. */
final class DeployFiles {

    static final String NAMESPACE = "ferry-system";
    static final String OPERATOR = "ferry-operator";

    private DeployFiles() {}

    static Path repoRoot() {
        return ServerFleetCrd.repoRoot();
    }

    static Path deployDir() {
        return repoRoot().resolve("deploy");
    }

    static Path examplesDir() {
        return deployDir().resolve("examples");
    }
}
