package dev.ferry.controlplane;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The namespace a test class runs in, with clients for it. Created before the class's tests and
 * deleted after them; clients made here are closed then too.
 */
public final class TestNamespace implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TestNamespace.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    public static final String TEST_CLASS_LABEL = "ferry.dev/test-class";

    private final ControlPlane controlPlane;
    private final String name;
    private final KubernetesClient client;
    private final List<String> namespaces = new ArrayList<>();
    private final List<KubernetesClient> clients = new ArrayList<>();

    TestNamespace(ControlPlane controlPlane, String owner) {
        this.controlPlane = controlPlane;
        this.name = createNamespace(owner);
        this.client = controlPlane.newAdminClient(name);
        clients.add(client);
    }

    /**
     * A namespace outside JUnit (the demo, benchmarks): the caller closes it, which deletes it and
     * everything in it. Tests get theirs from the extension instead.
     */
    public static TestNamespace create(ControlPlane controlPlane, String owner) {
        return new TestNamespace(controlPlane, owner);
    }

    /** The namespace's name. */
    public String name() {
        return name;
    }

    public ControlPlane controlPlane() {
        return controlPlane;
    }

    /** An admin client (group system:masters) whose default namespace is this one. */
    public KubernetesClient client() {
        return client;
    }

    /**
     * A client that acts as {@code user} in {@code groups} (impersonation by the admin), defaulting
     * to this namespace. Authorization is decided for that user, so RBAC applies in full.
     */
    public synchronized KubernetesClient clientAs(String user, String... groups) {
        return track(controlPlane.impersonatingConfig(name, user, groups));
    }

    /**
     * A client that authenticates with a real token of ServiceAccount {@code serviceAccount} in this
     * namespace (TokenRequest API), creating the ServiceAccount if it is missing. Its RBAC subject is
     * {@code system:serviceaccount:<namespace>:<serviceAccount>}.
     */
    public synchronized KubernetesClient clientForServiceAccount(String serviceAccount) {
        return track(configForServiceAccount(serviceAccount));
    }

    /**
     * The configuration behind {@link #clientForServiceAccount(String)}: a one-hour token of the
     * ServiceAccount (created if missing), e.g. to run an operator under it.
     */
    public Config configForServiceAccount(String serviceAccount) {
        client.serviceAccounts()
                .resource(new ServiceAccountBuilder()
                        .withNewMetadata()
                        .withName(serviceAccount)
                        .endMetadata()
                        .build())
                .serverSideApply();
        String token = controlPlane.serviceAccountToken(name, serviceAccount, Duration.ofHours(1));
        return controlPlane.tokenConfig(name, token);
    }

    /** Another namespace, deleted with this one; for tests that cross namespace boundaries. */
    public synchronized String createExtraNamespace(String purpose) {
        return createNamespace(name + "-" + purpose);
    }

    private KubernetesClient track(Config config) {
        KubernetesClient c = new KubernetesClientBuilder().withConfig(config).build();
        clients.add(c);
        return c;
    }

    private synchronized String createNamespace(String owner) {
        String ns = uniqueName(owner);
        controlPlane
                .adminClient()
                .namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(ns)
                        .addToLabels(TEST_CLASS_LABEL, labelValue(owner))
                        .endMetadata()
                        .build())
                .create();
        namespaces.add(ns);
        log.debug("Created namespace {}", ns);
        return ns;
    }

    /** Every namespace this object created (the first is {@link #name()}). */
    public synchronized List<String> namespaces() {
        return List.copyOf(namespaces);
    }

    /** Closes the clients and deletes the namespaces (without waiting for them to go). */
    @Override
    public synchronized void close() {
        clients.forEach(KubernetesClient::close);
        clients.clear();
        if (controlPlane.isClosed()) {
            return;
        }
        for (String ns : namespaces) {
            try {
                controlPlane.adminClient().namespaces().withName(ns).delete();
                log.debug("Deleted namespace {}", ns);
            } catch (RuntimeException e) {
                log.warn("Cannot delete namespace {}", ns, e);
            }
        }
        namespaces.clear();
    }

    static String uniqueName(String owner) {
        String base =
                owner.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
        if (base.isEmpty()) {
            base = "test";
        }
        if (base.length() > 50) {
            base = base.substring(0, 50).replaceAll("-+$", "");
        }
        StringBuilder suffix = new StringBuilder(6);
        for (int i = 0; i < 6; i++) {
            suffix.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return base + "-" + suffix;
    }

    private static String labelValue(String owner) {
        String v = owner.replaceAll("[^A-Za-z0-9_.-]+", "_");
        v = v.length() > 63 ? v.substring(v.length() - 63) : v;
        return v.replaceAll("^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "");
    }
}
