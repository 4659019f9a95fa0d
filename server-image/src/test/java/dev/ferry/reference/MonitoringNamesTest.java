package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.protocol.ResumeToken;
import dev.ferry.protocol.SessionId;
import dev.ferry.server.WireClient;
import dev.ferry.testkit.MetricNames;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.Waits;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitoring files against what real servers export. Two reference-server processes on a real
 * redis-server get sessions, commands, a refused RESUME, a migration that fails while the store is down,
 * a migration, and a drain; then both /metrics are scraped and:
 *
 * <ul>
 *   <li>every metric an alert rule (deploy/monitoring/prometheus-rule.yaml) or a dashboard panel or variable
 *       (deploy/monitoring/grafana-dashboard.json) selects is exported by a server, or is one of the operator's
 *       metrics that docs/metrics.md lists (the operator's own test, QuarkusOperatorTest, checks that each of
 *       those is exported by the real operator);
 *   <li>docs/metrics.md's server section lists exactly the ferry_* metric families a server exports.
 * </ul>
 */
class MonitoringNamesTest {
    private static final Logger log = LoggerFactory.getLogger(MonitoringNamesTest.class);
    static final Path ROOT = repositoryRoot();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static final Path RULES = ROOT.resolve("deploy/monitoring/prometheus-rule.yaml");
    static final Path DASHBOARD = ROOT.resolve("deploy/monitoring/grafana-dashboard.json");
    static final Path DOCS = ROOT.resolve("docs/metrics.md");

    @Test
    void theRulesTheDashboardAndTheDocsNameExactlyWhatRealServersExport() throws Exception {
        MetricNames.Scrape scraped;
        try (RedisServer redis = RedisServer.startDefault();
                ServerProcess peer = ServerProcess.start(ServerProcess.env("peer", "", redis));
                ServerProcess source = ServerProcess.start(ServerProcess.env("source", peer.address, redis));
                FerryClient client = FerryClient.create(
                        ClientOptions.builder().serviceAddress(source.address).build())) {
            AdminClient sourceAdmin = new AdminClient(source);
            List<FerrySession> sessions = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                FerrySession s = client.connect();
                s.execute("SET n " + i);
                assertThat(s.execute("GET n").firstText()).isEqualTo(Integer.toString(i));
                sessions.add(s);
            }

            // A RESUME of a session nobody exported: refused (ferry_handshakes_refused_total).
            try (WireClient w = WireClient.connect(peer.address)) {
                w.send(new Frame.Resume(
                        ProtocolVersion.CURRENT,
                        SessionId.random(new SecureRandom()),
                        ResumeToken.random(new SecureRandom()),
                        0));
                assertThat(w.next()).isInstanceOf(Frame.Error.class);
            }

            // The store goes away: a migration fails and the session stays (ferry_migrations_failed_total).
            redis.kill();
            sourceAdmin.post("/v1/migrate", "{\"count\":1,\"targets\":[\"" + peer.address + "\"]}");
            await("a failed migration")
                    .atMost(Waits.STATE)
                    .until(() ->
                            scrape(source).contains("ferry_migrations_failed_total{reason=\"store_unavailable\"}"));
            assertThat(scrape(source)).contains("ferry_context_store_up 0.0");
            redis.start();
            await("the store back")
                    .atMost(Waits.STATE)
                    .until(() -> scrape(source).contains("ferry_context_store_up 1.0"));

            // One migration, then a drain of the rest.
            sourceAdmin.post("/v1/migrate", "{\"count\":1,\"targets\":[\"" + peer.address + "\"]}");
            await("one migration")
                    .atMost(Waits.STATE)
                    .until(() -> sourceAdmin
                                    .status()
                                    .path("migrations")
                                    .path("completed")
                                    .asLong()
                            == 1);
            sourceAdmin.post("/v1/drain", "{\"targets\":[\"" + peer.address + "\"],\"ratePerSecond\":20}");
            await("the drain").atMost(Waits.STATE).until(() -> {
                for (FerrySession s : sessions) s.execute("PING");
                return sessions.stream().allMatch(s -> s.serverName().equals("peer"));
            });
            String sourceScrape = scrape(source);
            String peerScrape = scrape(peer);
            assertThat(sourceScrape).contains("ferry_draining 1.0");
            assertThat(peerScrape).contains("ferry_sessions_resumed_total 6.0");
            saveForTheRecord(sourceScrape, peerScrape);
            scraped = MetricNames.Scrape.parse(sourceScrape).and(MetricNames.Scrape.parse(peerScrape));
        }

        String docs = Files.readString(DOCS);
        Set<String> operatorDocumented = MetricNames.documented(docs, "Operator metrics");
        // Prometheus makes these itself for every target; its run in scripts/monitoring-run.sh evaluates them.
        Set<String> madeByPrometheus = MetricNames.documented(docs, "Made by Prometheus");
        Set<String> serverDocumented = MetricNames.documented(docs, "Server metrics");

        Map<String, String> expressions = new LinkedHashMap<>();
        MetricNames.ruleExpressions(RULES).forEach((k, v) -> expressions.put("rule " + k, v));
        MetricNames.dashboardExpressions(DASHBOARD).forEach((k, v) -> expressions.put("panel " + k, v));
        MetricNames.dashboardVariableQueries(DASHBOARD).forEach((k, v) -> expressions.put("variable " + k, v));
        assertThat(expressions).as("expressions found").hasSizeGreaterThan(10);
        Set<String> elsewhere = new TreeSet<>(operatorExportNames(operatorDocumented));
        elsewhere.addAll(madeByPrometheus);
        // Every problem at once, not only the first.
        org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
        soft.assertThat(MetricNames.unexported(expressions, scraped, elsewhere))
                .as(
                        "metrics that rules or panels select but neither a server nor (docs/metrics.md) the operator exports")
                .isEmpty();

        Set<String> exported = scraped.familiesStartingWith("ferry_");
        Set<String> undocumented = new TreeSet<>(exported);
        undocumented.removeAll(serverDocumented);
        Set<String> notExported = new TreeSet<>(serverDocumented);
        notExported.removeIf(scraped::hasFamily);
        soft.assertThat(undocumented)
                .as("ferry_* families a server exports that docs/metrics.md omits")
                .isEmpty();
        soft.assertThat(notExported)
                .as("names docs/metrics.md lists under Server metrics that no server exports")
                .isEmpty();
        soft.assertAll();
    }

    /** The documented operator families, with the sample names a histogram or summary family is queried by. */
    private static Set<String> operatorExportNames(Set<String> families) {
        Set<String> out = new TreeSet<>(families);
        for (String f : families) {
            for (String suffix : List.of("_bucket", "_count", "_sum")) out.add(f + suffix);
        }
        return out;
    }

    private static String scrape(ServerProcess server) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://" + server.admin + "/metrics"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private static void saveForTheRecord(String source, String peer) throws IOException {
        Path dir = Path.of("target", "monitoring");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("server-source.prom"), source);
        Files.writeString(dir.resolve("server-peer.prom"), peer);
        log.info(
                "scraped {} bytes from the source, {} from the peer (target/monitoring)",
                source.length(),
                peer.length());
    }

    private static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("deploy"))) p = p.getParent();
        if (p == null)
            throw new IllegalStateException(
                    "not inside the repository: " + Path.of("").toAbsolutePath());
        return p;
    }
}
