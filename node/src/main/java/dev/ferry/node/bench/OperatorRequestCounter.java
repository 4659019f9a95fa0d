package dev.ferry.node.bench;

import dev.ferry.node.NodeCluster;
import io.fabric8.kubernetes.api.model.flowcontrol.v1.FlowSchema;
import io.fabric8.kubernetes.api.model.flowcontrol.v1.FlowSchemaBuilder;
import io.fabric8.kubernetes.api.model.flowcontrol.v1.PolicyRulesWithSubjects;
import io.fabric8.kubernetes.api.model.flowcontrol.v1.PolicyRulesWithSubjectsBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the operator's API requests as the API server itself sees them, by verb and resource, without touching
 * the operator: API Priority and Fairness classifies every request by the first matching FlowSchema and counts it
 * in {@code apiserver_flowcontrol_dispatched_requests_total{flow_schema=...}}. This installs one FlowSchema per
 * verb and resource the operator's RBAC allows (read from its ClusterRole and leader-election Role), matching only
 * the operator's ServiceAccount and only the benchmark's namespace (its Lease in ferry-system apart), and one more
 * for everything else the operator asks (cluster-wide watches, nodes, other namespaces' fleets). They sit just
 * before the built-in {@code service-accounts} schema (precedence 9000) and send the requests to the same priority
 * level it does, so the operator is served exactly as before; they are deleted on {@link #close()}.
 *
 * <p>Why not the other sources: the node cluster's kube-apiserver runs at {@code -v=1} (no per-request log line)
 * without an audit policy, {@code apiserver_request_total} has no user label (it mixes every client on a shared
 * cluster), and the operator's {@code /q/metrics} has no Kubernetes-client request metrics.
 */
final class OperatorRequestCounter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OperatorRequestCounter.class);
    static final String LABEL = "ferry.dev/bench";
    private static final String LABEL_VALUE = "operator-requests";
    private static final String SERVICE_ACCOUNT = "ferry-operator";
    private static final String LEADER_ELECTION_ROLE = "ferry-operator-leader-election";
    /** The built-in schema that serves ServiceAccounts; its priority level is the one the operator's requests keep. */
    private static final String SERVICE_ACCOUNTS_SCHEMA = "service-accounts";

    private static final int FIRST_PRECEDENCE = 8000;
    private static final String DISPATCHED = "apiserver_flowcontrol_dispatched_requests_total";

    /** Requests in a window: by "VERB resource" in the benchmark's namespace, the Lease's, and all the rest. */
    record Counts(Map<String, Long> byVerbAndResource, long leases, long elsewhere) {
        /** Requests that are not watches: each a round trip the operator waited for. */
        long requests() {
            return byVerbAndResource.entrySet().stream()
                    .filter(e -> !e.getKey().startsWith("WATCH "))
                    .mapToLong(Map.Entry::getValue)
                    .sum();
        }

        long watches() {
            return byVerbAndResource.entrySet().stream()
                    .filter(e -> e.getKey().startsWith("WATCH "))
                    .mapToLong(Map.Entry::getValue)
                    .sum();
        }

        /** Non-zero entries only, for the notes. */
        Map<String, Long> nonZero() {
            Map<String, Long> m = new TreeMap<>();
            byVerbAndResource.forEach((k, v) -> {
                if (v != 0) m.put(k, v);
            });
            return m;
        }

        Counts minus(Counts earlier) {
            Map<String, Long> by = new TreeMap<>();
            byVerbAndResource.forEach((k, v) -> by.put(k, v - earlier.byVerbAndResource.getOrDefault(k, 0L)));
            return new Counts(by, leases - earlier.leases, elsewhere - earlier.elsewhere);
        }
    }

    private final NodeCluster cluster;
    /** FlowSchema name to "VERB resource" (namespace-local), "leases" or "elsewhere". */
    private final Map<String, String> schemas = new LinkedHashMap<>();

    private OperatorRequestCounter(NodeCluster cluster) {
        this.cluster = cluster;
    }

    /** Installs the FlowSchemas for the operator's requests in {@code namespace} and waits until the API server uses them. */
    static OperatorRequestCounter install(NodeCluster cluster, String namespace) {
        removeStale(cluster);
        String priorityLevel = cluster.client()
                .resources(FlowSchema.class)
                .withName(SERVICE_ACCOUNTS_SCHEMA)
                .require()
                .getSpec()
                .getPriorityLevelConfiguration()
                .getName();
        ClusterRole role = cluster.client()
                .rbac()
                .clusterRoles()
                .withName(NodeCluster.OPERATOR)
                .require();
        Role leaderElection = cluster.client()
                .rbac()
                .roles()
                .inNamespace(NodeCluster.FERRY_NAMESPACE)
                .withName(LEADER_ELECTION_ROLE)
                .require();
        OperatorRequestCounter counter = new OperatorRequestCounter(cluster);
        String run = Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36, 36 * 36 * 36 * 36), 36);
        int precedence = FIRST_PRECEDENCE;
        try {
            for (PolicyRule rule : role.getRules()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        String key = verb.toUpperCase(Locale.ROOT) + " " + resource;
                        counter.create(
                                "ferry-bench-" + run + "-" + (precedence - FIRST_PRECEDENCE),
                                key,
                                precedence++,
                                priorityLevel,
                                resourceRule(
                                        List.of(verb),
                                        rule.getApiGroups(),
                                        List.of(resource),
                                        List.of(namespace),
                                        false));
                    }
                }
            }
            for (PolicyRule rule : leaderElection.getRules()) {
                counter.create(
                        "ferry-bench-" + run + "-leases-" + (precedence - FIRST_PRECEDENCE),
                        "leases",
                        precedence++,
                        priorityLevel,
                        resourceRule(
                                rule.getVerbs(),
                                rule.getApiGroups(),
                                rule.getResources(),
                                List.of(NodeCluster.FERRY_NAMESPACE),
                                false));
            }
            PolicyRulesWithSubjects everything = new PolicyRulesWithSubjectsBuilder(
                            resourceRule(List.of("*"), List.of("*"), List.of("*"), List.of("*"), true))
                    .addNewNonResourceRule()
                    .withVerbs("*")
                    .withNonResourceURLs("*")
                    .endNonResourceRule()
                    .build();
            counter.create("ferry-bench-" + run + "-elsewhere", "elsewhere", precedence, priorityLevel, everything);
            counter.awaitInUse(Duration.ofMinutes(1));
        } catch (RuntimeException e) {
            counter.close();
            throw e;
        }
        log.info(
                "{} FlowSchemas count the operator's requests (priority level {})",
                counter.schemas.size(),
                priorityLevel);
        return counter;
    }

    private static PolicyRulesWithSubjects resourceRule(
            List<String> verbs,
            List<String> apiGroups,
            List<String> resources,
            List<String> namespaces,
            boolean clusterScope) {
        return new PolicyRulesWithSubjectsBuilder()
                .addNewSubject()
                .withKind("ServiceAccount")
                .withNewServiceAccount(SERVICE_ACCOUNT, NodeCluster.FERRY_NAMESPACE)
                .endSubject()
                .addNewResourceRule()
                .withVerbs(verbs)
                .withApiGroups(apiGroups)
                .withResources(resources)
                .withNamespaces(namespaces)
                .withClusterScope(clusterScope)
                .endResourceRule()
                .build();
    }

    private void create(String name, String key, int precedence, String priorityLevel, PolicyRulesWithSubjects rules) {
        FlowSchema schema = new FlowSchemaBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels(LABEL, LABEL_VALUE)
                .endMetadata()
                .withNewSpec()
                .withMatchingPrecedence(precedence)
                .withNewPriorityLevelConfiguration(priorityLevel)
                .withNewDistinguisherMethod("ByUser")
                .withRules(rules)
                .endSpec()
                .build();
        cluster.client().resources(FlowSchema.class).resource(schema).create();
        schemas.put(name, key);
    }

    /** The API server's configuration controller marks each schema it has taken in (condition Dangling). */
    private void awaitInUse(Duration timeout) {
        NodeCluster.await(
                schemas.size() + " FlowSchemas taken in by the API server",
                timeout,
                () -> schemas.keySet().stream().allMatch(name -> {
                    FlowSchema s = cluster.client()
                            .resources(FlowSchema.class)
                            .withName(name)
                            .get();
                    return s != null
                            && s.getStatus() != null
                            && s.getStatus().getConditions() != null
                            && s.getStatus().getConditions().stream()
                                    .anyMatch(c -> "Dangling".equals(c.getType()) && "False".equals(c.getStatus()));
                }));
    }

    /** The counters now (cumulative since each schema was created). */
    Counts snapshot() {
        PrometheusText metrics = PrometheusText.parse(cluster.client().raw("/metrics"));
        Map<String, Long> by = new TreeMap<>();
        long leases = 0;
        long elsewhere = 0;
        for (Map.Entry<String, String> e : schemas.entrySet()) {
            long n = Math.round(metrics.sum(DISPATCHED, l -> e.getKey().equals(l.get("flow_schema"))));
            switch (e.getValue()) {
                case "leases" -> leases += n;
                case "elsewhere" -> elsewhere += n;
                default -> by.merge(e.getValue(), n, Long::sum);
            }
        }
        return new Counts(by, leases, elsewhere);
    }

    /** The schema names, for the notes. */
    List<String> schemaNames() {
        return new ArrayList<>(schemas.keySet());
    }

    /** Schemas a killed run left behind: they would still take the operator's requests. */
    private static void removeStale(NodeCluster cluster) {
        var stale = cluster.client()
                .resources(FlowSchema.class)
                .withLabel(LABEL, LABEL_VALUE)
                .list()
                .getItems();
        if (!stale.isEmpty()) {
            log.info("removing {} FlowSchemas an earlier run left", stale.size());
            cluster.client()
                    .resources(FlowSchema.class)
                    .withLabel(LABEL, LABEL_VALUE)
                    .delete();
        }
    }

    @Override
    public void close() {
        for (String name : schemas.keySet()) {
            try {
                cluster.client().resources(FlowSchema.class).withName(name).delete();
            } catch (RuntimeException e) {
                log.warn("cannot delete FlowSchema {}: {}", name, e.toString());
            }
        }
    }
}
