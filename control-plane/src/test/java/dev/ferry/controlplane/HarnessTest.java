package dev.ferry.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** What the harness promises: the right version, a namespace per class, loopback only. */
@WithControlPlane
class HarnessTest {

    @Test
    void runsTheKubernetesVersionTheScriptInstalls(ControlPlane cp, KubernetesClient client) {
        assertThat(cp.kubeVersion()).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(client.getKubernetesVersion().getGitVersion()).isEqualTo("v" + cp.kubeVersion());
        assertThat(cp.masterUrl()).startsWith("https://127.0.0.1:");
    }

    @Test
    void classHasItsOwnLabelledNamespace(TestNamespace ns, KubernetesClient client) {
        Namespace namespace = client.namespaces().withName(ns.name()).get();

        assertThat(namespace).isNotNull();
        assertThat(namespace.getMetadata().getLabels()).containsEntry(TestNamespace.TEST_CLASS_LABEL, "HarnessTest");
        assertThat(client.getNamespace()).isEqualTo(ns.name());
        assertThat(ns.name()).matches("harnesstest-[a-z0-9]{6}");
    }

    @Test
    void apiServerWritesItsLog(ControlPlane cp) throws IOException {
        assertThat(cp.apiServerLog()).isRegularFile();
        assertThat(Files.size(cp.apiServerLog())).isPositive();
    }

    @Test
    void everyProcessTheHarnessStartedListensOnLoopbackOnly() throws IOException {
        List<ProcessHandle> children = ProcessHandle.current().children().toList();
        assertThat(children)
                .extracting(p -> p.info().command().orElse("?"))
                .anyMatch(c -> c.endsWith("/kube-apiserver"));
        assertThat(children).extracting(p -> p.info().command().orElse("?")).anyMatch(c -> c.endsWith("/etcd"));

        Set<String> inodes = new HashSet<>();
        for (ProcessHandle child : children) {
            Path fds = Path.of("/proc", Long.toString(child.pid()), "fd");
            if (!Files.isDirectory(fds)) {
                continue;
            }
            try (Stream<Path> list = Files.list(fds)) {
                for (Path fd : list.toList()) {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("socket:[")) {
                            inodes.add(target.substring(8, target.length() - 1));
                        }
                    } catch (IOException gone) {
                        // the descriptor was closed while listing
                    }
                }
            }
        }
        List<String> listening = new ArrayList<>();
        listening.addAll(listeningAddresses(Path.of("/proc/net/tcp"), inodes));
        listening.addAll(listeningAddresses(Path.of("/proc/net/tcp6"), inodes));

        assertThat(listening).isNotEmpty();
        assertThat(listening)
                .allSatisfy(a -> assertThat(a)
                        .isIn("0100007F", "00000000000000000000000001000000", "0000000000000000FFFF00000100007F"));
    }

    @Test
    void quarkusPropertiesCarryTheIdentity(ControlPlane cp, TestNamespace ns) {
        assertThat(ControlPlane.quarkusClientProperties(cp.adminConfig(ns.name())))
                .containsEntry("quarkus.kubernetes-client.api-server-url", cp.masterUrl())
                .containsEntry("quarkus.kubernetes-client.namespace", ns.name())
                .containsEntry("quarkus.kubernetes-client.devservices.enabled", "false")
                .containsKeys(
                        "quarkus.kubernetes-client.client-cert-file", "quarkus.kubernetes-client.client-key-file");
        assertThat(ControlPlane.quarkusClientProperties(ns.configForServiceAccount("operator")))
                .containsKey("quarkus.kubernetes-client.token")
                .doesNotContainKey("quarkus.kubernetes-client.client-cert-file");
    }

    @Nested
    class NestedClasses {
        @Test
        void shareTheEnclosingNamespace(TestNamespace ns, KubernetesClient client) {
            assertThat(client.getNamespace()).isEqualTo(ns.name()).startsWith("harnesstest-");
        }
    }

    /** Local addresses (hex, as the kernel prints them) of LISTEN sockets with these inodes. */
    private static List<String> listeningAddresses(Path table, Set<String> inodes) throws IOException {
        if (!Files.isReadable(table)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String line :
                Files.readAllLines(table).subList(1, Files.readAllLines(table).size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 9 && "0A".equals(f[3]) && inodes.contains(f[9])) {
                out.add(f[1].substring(0, f[1].indexOf(':')));
            }
        }
        return out;
    }
}
