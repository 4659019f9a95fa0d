package dev.ferry.node.bench;

import dev.ferry.node.NodeCluster;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What both benchmarks need before they start, and where they write. */
final class BenchSetup {

    private static final Logger log = LoggerFactory.getLogger(BenchSetup.class);

    private BenchSetup() {}

    /**
     * Makes sure Ferry runs on the cluster. When the operator Deployment exists it is only waited for: applying
     * deploy/ again could roll the operator (if deploy/ changed in this tree) under someone else's fleets on a
     * shared cluster. On a cluster without it, installs it as the README says.
     */
    static void ensureFerry(NodeCluster cluster, Duration timeout) {
        boolean installed = cluster.client()
                        .apps()
                        .deployments()
                        .inNamespace(NodeCluster.FERRY_NAMESPACE)
                        .withName(NodeCluster.OPERATOR)
                        .get()
                != null;
        if (installed) {
            cluster.awaitAvailable(NodeCluster.FERRY_NAMESPACE, NodeCluster.OPERATOR, 2, timeout);
            cluster.awaitAvailable(NodeCluster.FERRY_NAMESPACE, NodeCluster.REDIS, 1, timeout);
            log.info("Ferry already installed: operator 2/2 and Redis available");
        } else {
            cluster.installFerry(timeout);
        }
    }

    /** Where full-size runs write their JSON (committed, read by the report generator). */
    static Path resultsDir(NodeCluster cluster) {
        return cluster.repo().resolve("bench/results");
    }

    /** Where {@code --quick} runs write theirs: a check that the benchmark works is not a result. */
    static Path quickResultsDir(NodeCluster cluster) {
        return cluster.repo().resolve("node/target/bench/results-quick");
    }

    /** The directory of the result: {@code --results-dir} when given, else by size. */
    static Path resultsDir(NodeCluster cluster, Path explicit, boolean quick) {
        if (explicit != null) return explicit.toAbsolutePath();
        return quick ? quickResultsDir(cluster) : resultsDir(cluster);
    }
}
