package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet whose template says nothing about security gets the operator's hardened defaults, and the kubelet
 * really applies them: checked from inside the running server container (kubectl exec of a small Java program
 * from the server image), not from the pod spec.
 */
class HardenedPodIT extends FerryOnNode {

    private static final Logger log = LoggerFactory.getLogger(HardenedPodIT.class);

    @Test
    void theServerRunsAsNonRootWithNoCapabilitiesAndAReadOnlyRootFileSystem() {
        NodeCluster cluster = cluster();
        // fleetManifest's template says nothing about security: what runs below is the operator's defaults.
        String manifest = fleetManifest("plain", 1, SERVER_IMAGE, "Pod", 60);
        Fleet fleet = Fleet.apply(cluster, namespace, manifest);
        fleet.awaitSettled(1, SETTLE);
        Pod pod = fleet.pods().get(0);

        String out = cluster.kubectl()
                .attempt(
                        null,
                        Duration.ofMinutes(2),
                        "exec",
                        "-n",
                        namespace,
                        pod.getMetadata().getName(),
                        "-c",
                        "server",
                        "--",
                        "java",
                        "-Xmx32m",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        "@/app/jib-classpath-file",
                        "dev.ferry.reference.SelfCheck")
                .orThrow()
                .out();
        Map<String, String> facts = new LinkedHashMap<>();
        out.lines()
                .filter(l -> l.contains("="))
                .forEach(l -> facts.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        log.info("inside {}: {}", pod.getMetadata().getName(), facts);

        assertThat(facts.get("uid")).isNotEqualTo("0").isEqualTo("65532");
        assertThat(facts.get("capEff")).isEqualTo("0000000000000000");
        assertThat(facts.get("capBnd")).isEqualTo("0000000000000000");
        assertThat(facts.get("noNewPrivs")).isEqualTo("1");
        assertThat(facts.get("seccomp")).isEqualTo("2"); // filter mode: the RuntimeDefault profile
        assertThat(facts.get("rootWritable")).startsWith("false").contains("Read-only file system");
        assertThat(facts.get("appWritable")).startsWith("false");
        assertThat(facts.get("tmpWritable")).isEqualTo("true"); // the emptyDir the operator mounts for Netty
    }
}
