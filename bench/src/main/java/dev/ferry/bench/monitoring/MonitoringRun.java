package dev.ferry.bench.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ferry.admin.api.AdminJson;
import dev.ferry.admin.api.AdminPaths;
import dev.ferry.admin.api.DrainRequest;
import dev.ferry.admin.api.MigrateRequest;
import dev.ferry.admin.api.StatusResponse;
import dev.ferry.bench.report.Provenance;
import dev.ferry.client.tools.LoadRun;
import dev.ferry.reference.ReferenceServer;
import dev.ferry.testkit.MetricNames;
import dev.ferry.testkit.RedisServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A real run scraped by a real Prometheus, for the picture of the Grafana dashboard: a redis-server, three
 * reference-server processes under client load, a drain of one of them at a set rate and its removal once
 * empty (what the operator does for a scale-down), a fourth server that gets sessions moved onto it (a
 * rebalance), and the context store stopped for a while. Prometheus scrapes every server's /metrics each
 * second with the labels the PodMonitor would give (namespace, fleet, pod) and evaluates the alert rules.
 * Afterwards every panel's expressions are queried over the run and written, with provenance, to a JSON
 * file that {@link DashboardPicture} draws.
 */
@Command(
        name = "monitoring-run",
        mixinStandardHelpOptions = true,
        description = "Scrape a real local run with Prometheus and render the Grafana dashboard's panels from it.")
public final class MonitoringRun implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(MonitoringRun.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern READY = Pattern.compile("FERRY READY name=(\\S+) address=(\\S+) admin=(\\S+)");
    /** What the dashboard's variables are set to for the queries: every namespace and fleet. */
    static final Map<String, String> VARIABLES = Map.of("$namespace", ".*", "$fleet", ".*", "$__rate_interval", "10s");

    @Option(names = "--prometheus", description = "the Prometheus binary (scripts/prometheus.sh builds it)")
    Path prometheus;

    @Option(names = "--out", defaultValue = "docs/monitoring", description = "where the results and the picture go")
    Path out;

    @Option(names = "--dashboard", defaultValue = "deploy/monitoring/grafana-dashboard.json")
    Path dashboard;

    @Option(names = "--rules", defaultValue = "deploy/monitoring/prometheus-rule.yaml")
    Path rules;

    @Option(names = "--clients", defaultValue = "120", description = "client sessions (default ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--think-millis", defaultValue = "400", description = "pause between a session's commands")
    int thinkMillis;

    @Option(names = "--drain-rate", defaultValue = "8", description = "sessions per second of the drain")
    int drainRate;

    @Option(names = "--store-outage-seconds", defaultValue = "75")
    int outageSeconds;

    @Option(names = "--render-only", description = "draw the picture again from the kept results; run nothing")
    boolean renderOnly;

    @Option(names = "--command", description = "the command line that ran this, for the record")
    String command;

    private final List<ChildServer> servers = new ArrayList<>();
    private final ArrayNode events = JSON.createArrayNode();
    private long t0Millis;

    Path resultsFile() {
        return out.resolve("dashboard-run.json");
    }

    @Override
    public Integer call() throws Exception {
        if (!renderOnly) {
            if (prometheus == null) throw new IllegalArgumentException("--prometheus is required unless --render-only");
            ObjectNode results = run();
            Files.createDirectories(out);
            JSON.writeValue(resultsFile().toFile(), results);
            log.info("wrote {}", resultsFile());
        }
        Path png = DashboardPicture.render(JSON.readTree(resultsFile().toFile()), out.resolve("dashboard.png"));
        log.info("wrote {}", png);
        return 0;
    }

    private ObjectNode run() throws Exception {
        Path dir = Files.createTempDirectory("ferry-monitoring-run-");
        byte[] t = new byte[16];
        new java.security.SecureRandom().nextBytes(t);
        String token = HexFormat.of().formatHex(t);
        JsonNode dashboardJson = JSON.readTree(dashboard.toFile());
        writeRules(dir.resolve("rules.yaml"));
        Files.writeString(dir.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files: [rules.yaml]
                scrape_configs:
                  - job_name: demo/ferry-fleets
                    file_sd_configs:
                      - files: [targets.json]
                        refresh_interval: 1s
                """);
        long started = System.nanoTime();
        try (RedisServer redis = RedisServer.startDefault()) {
            try {
                for (int i = 0; i < 3; i++) servers.add(ChildServer.start("pod-" + i, redis.uri(), token, dir));
                writeTargets(dir);
                try (PrometheusProcess prom = PrometheusProcess.start(prometheus, dir, Duration.ofSeconds(60))) {
                    ObjectNode results = scenario(prom, redis, dashboardJson, dir);
                    results.put("runSeconds", (System.nanoTime() - started) / 1e9);
                    return results;
                }
            } finally {
                for (ChildServer s : servers) s.close();
            }
        }
    }

    private ObjectNode scenario(PrometheusProcess prom, RedisServer redis, JsonNode dashboardJson, Path dir)
            throws Exception {
        ChildServer pod0 = servers.get(0), pod1 = servers.get(1), pod2 = servers.get(2);
        // Prometheus staggers its first scrapes: start only once every server has been scraped, so that the
        // counters' first rise (sessions opening) is seen.
        waitFor("Prometheus scraping every server", Duration.ofSeconds(60), () -> scrapedTargets(prom) >= 3);
        t0Millis = System.currentTimeMillis();
        event("start: 3 servers, " + clients + " client sessions");
        List<LoadRun> runs = new ArrayList<>();
        List<CompletableFuture<LoadRun.Result>> loads = new ArrayList<>();
        for (ChildServer s : List.of(pod0, pod1, pod2)) {
            LoadRun run = new LoadRun(LoadRun.Options.defaults(s.address)
                    .withSessions(clients / 3)
                    .withDuration(Duration.ofMinutes(30))
                    .withThinkTime(Duration.ofMillis(thinkMillis)));
            runs.add(run);
            // A thread of its own per run: run() blocks, and the common pool has one thread on 2 cores.
            CompletableFuture<LoadRun.Result> result = new CompletableFuture<>();
            Thread.ofPlatform().name("load-" + s.name).daemon().start(() -> {
                try {
                    result.complete(run.run());
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
            loads.add(result);
        }
        waitFor("every client session open", Duration.ofSeconds(60), () -> totalSessions() >= clients / 3 * 3);
        pauseUntil(20);

        event("drain pod-2 to pod-0, pod-1 at " + drainRate + "/s");
        pod2.admin("POST", AdminPaths.DRAIN, new DrainRequest(List.of(pod0.address, pod1.address), drainRate));
        waitFor("pod-2 empty", Duration.ofSeconds(120), () -> pod2.sessions() == 0);
        pauseUntil(secondsSinceStart() + 3);
        event("pod-2 empty: removed");
        pod2.close();
        servers.remove(pod2);
        writeTargets(dir);

        pauseUntil(Math.max(45, secondsSinceStart() + 2));
        ChildServer pod3 = ChildServer.start("pod-3", redis.uri(), pod0.token, dir);
        servers.add(pod3);
        writeTargets(dir);
        // A rebalance: a third of each old pod's sessions move onto the new one.
        long moving = 0;
        StringBuilder moved = new StringBuilder();
        for (ChildServer donor : List.of(pod0, pod1)) {
            long n = donor.sessions() / 3;
            moving += n;
            moved.append(moved.isEmpty() ? "" : ", ").append(n).append(" from ").append(donor.name);
            if (n > 0) donor.admin("POST", AdminPaths.MIGRATE, MigrateRequest.ofCount((int) n, List.of(pod3.address)));
        }
        event("pod-3 added; " + moved + " moved onto it");
        long expected = moving;
        waitFor("pod-3 holds the moved sessions", Duration.ofSeconds(60), () -> pod3.sessions() >= expected);

        pauseUntil(Math.max(70, secondsSinceStart() + 2));
        event("context store stopped for " + outageSeconds + " s");
        redis.kill();
        pauseUntil(secondsSinceStart() + 5);
        event("5 sessions of pod-0 asked to move to pod-1 while the store is down");
        pod0.admin("POST", AdminPaths.MIGRATE, MigrateRequest.ofCount(5, List.of(pod1.address)));
        pauseUntil(secondsSinceStart() + outageSeconds - 5);
        redis.start();
        event("context store back");
        pauseUntil(secondsSinceStart() + 15);
        event("clients stop");
        runs.forEach(LoadRun::stop);
        long failed = 0, ok = 0;
        for (CompletableFuture<LoadRun.Result> f : loads) {
            LoadRun.Result r = f.get(60, TimeUnit.SECONDS);
            failed += r.commandsFailed();
            ok += r.commandsOk();
        }
        pauseUntil(secondsSinceStart() + 8);
        long endMillis = System.currentTimeMillis();

        ObjectNode results = JSON.createObjectNode();
        Provenance p = Provenance.capture(dev.ferry.bench.BenchMain.arguments(), false);
        results.set("provenance", JSON.valueToTree(p));
        results.put("command", command);
        results.set("machine", machine());
        results.put(
                "prometheus",
                prom.api("/api/v1/status/buildinfo").path("version").asText());
        results.put("start", Instant.ofEpochMilli(t0Millis).toString());
        results.put("end", Instant.ofEpochMilli(endMillis).toString());
        results.put("stepSeconds", 2);
        results.put("scrapeIntervalSeconds", 1);
        results.set("variables", JSON.valueToTree(VARIABLES));
        results.set("events", events);
        results.put("clientCommandsOk", ok);
        results.put("clientCommandsFailed", failed);
        results.set("scrapeBytes", scrapeSizes());
        results.set("rules", ruleHealth(prom));
        results.set("alerts", query(prom, "ALERTS", t0Millis, endMillis));
        results.set("panels", panels(prom, dashboardJson, t0Millis, endMillis));
        return results;
    }

    private ObjectNode scrapeSizes() throws IOException, InterruptedException {
        ObjectNode sizes = JSON.createObjectNode();
        for (ChildServer s : servers) sizes.put(s.name, s.get("/metrics").length());
        return sizes;
    }

    /** Every rule as Prometheus evaluated it; a rule whose evaluation failed fails the run. */
    private ArrayNode ruleHealth(PrometheusProcess prom) throws IOException, InterruptedException {
        ArrayNode out = JSON.createArrayNode();
        List<String> broken = new ArrayList<>();
        for (JsonNode g : prom.api("/api/v1/rules").path("groups")) {
            for (JsonNode r : g.path("rules")) {
                out.addObject()
                        .put("group", g.path("name").asText())
                        .put("name", r.path("name").asText())
                        .put("health", r.path("health").asText())
                        .put("state", r.path("state").asText());
                if (!"ok".equals(r.path("health").asText()))
                    broken.add(
                            r.path("name").asText() + ": " + r.path("lastError").asText());
            }
        }
        if (out.isEmpty()) throw new IllegalStateException("Prometheus loaded no rule");
        if (!broken.isEmpty()) throw new IllegalStateException("rules that do not evaluate: " + broken);
        return out;
    }

    private ArrayNode panels(PrometheusProcess prom, JsonNode dashboardJson, long from, long to)
            throws IOException, InterruptedException {
        ArrayNode out = JSON.createArrayNode();
        for (JsonNode panel : dashboardJson.path("panels")) {
            ObjectNode p = out.addObject()
                    .put("title", panel.path("title").asText())
                    .put("type", panel.path("type").asText())
                    .put(
                            "unit",
                            panel.path("fieldConfig")
                                    .path("defaults")
                                    .path("unit")
                                    .asText("short"));
            ArrayNode targets = p.putArray("targets");
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                String evaluated = substitute(expr);
                targets.addObject()
                        .put("refId", target.path("refId").asText())
                        .put("expr", expr)
                        .put("query", evaluated)
                        .put("legendFormat", target.path("legendFormat").asText())
                        .set("result", query(prom, evaluated, from, to));
            }
        }
        return out;
    }

    static String substitute(String expr) {
        String s = expr;
        for (Map.Entry<String, String> v : VARIABLES.entrySet()) s = s.replace(v.getKey(), v.getValue());
        return s;
    }

    private static JsonNode query(PrometheusProcess prom, String expr, long from, long to)
            throws IOException, InterruptedException {
        return prom.api(
                        "/api/v1/query_range",
                        "query",
                        expr,
                        "start",
                        Double.toString((from - 5_000) / 1000.0),
                        "end",
                        Double.toString(to / 1000.0),
                        "step",
                        "2")
                .path("result");
    }

    private void writeRules(Path file) throws IOException {
        // The PrometheusRule's spec is a plain rules file.
        JsonNode rule = MetricNames.readYamlDocuments(rules).get(0);
        new YAMLMapper().writeValue(file.toFile(), rule.path("spec"));
    }

    private void writeTargets(Path dir) throws IOException {
        ArrayNode groups = JSON.createArrayNode();
        for (ChildServer s : servers) {
            ObjectNode g = groups.addObject();
            g.putArray("targets").add(s.adminAddress);
            g.putObject("labels").put("namespace", "demo").put("fleet", "demo").put("pod", s.name);
        }
        Path tmp = dir.resolve("targets.json.tmp");
        JSON.writeValue(tmp.toFile(), groups);
        Files.move(tmp, dir.resolve("targets.json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static int scrapedTargets(PrometheusProcess prom) {
        try {
            JsonNode r = prom.api("/api/v1/query", "query", "count(up == 1)").path("result");
            return r.isEmpty()
                    ? 0
                    : Integer.parseInt(r.get(0).path("value").get(1).asText());
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private long totalSessions() {
        long n = 0;
        for (ChildServer s : servers) n += s.sessions();
        return n;
    }

    private double secondsSinceStart() {
        return (System.currentTimeMillis() - t0Millis) / 1000.0;
    }

    /** The scenario's own clock: waits until {@code second} seconds after its start (the point of the wait is time). */
    private void pauseUntil(double second) throws InterruptedException {
        long ms = (long) (second * 1000) - (System.currentTimeMillis() - t0Millis);
        if (ms > 0) Thread.sleep(ms);
    }

    private void waitFor(String what, Duration atMost, BooleanSupplier condition) throws InterruptedException {
        waitFor(what, atMost, condition, this::sessionCounts);
    }

    private String sessionCounts() {
        StringBuilder b = new StringBuilder("sessions:");
        for (ChildServer s : servers) b.append(' ').append(s.name).append('=').append(s.sessions());
        return b.toString();
    }

    private static void waitFor(
            String what, Duration atMost, BooleanSupplier condition, java.util.function.Supplier<String> state)
            throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline)
                throw new IllegalStateException("not within " + atMost + ": " + what + " (" + state.get() + ")");
            Thread.sleep(200);
        }
    }

    private void event(String what) {
        double at = secondsSinceStart();
        events.addObject().put("second", Math.round(at * 10) / 10.0).put("what", what);
        log.info("t={}s {}", String.format(java.util.Locale.ROOT, "%.1f", at), what);
    }

    private static ObjectNode machine() {
        ObjectNode m = JSON.createObjectNode();
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        try {
            String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .orElse("unknown");
            m.put("cpu", cpu);
            m.put("loadAverageAtEnd", Files.readString(Path.of("/proc/loadavg")).strip());
        } catch (IOException e) {
            m.put("cpu", "unknown");
        }
        return m;
    }

    /** A reference-server process started from this jar, as a pod runs it. */
    static final class ChildServer implements AutoCloseable {
        final String name;
        final String address;
        final String adminAddress;
        final String token;
        private final Process process;

        private ChildServer(String name, String address, String adminAddress, String token, Process process) {
            this.name = name;
            this.address = address;
            this.adminAddress = adminAddress;
            this.token = token;
            this.process = process;
        }

        static ChildServer start(String name, String storeUri, String token, Path dir)
                throws IOException, InterruptedException {
            Path logFile = dir.resolve(name + ".log");
            ProcessBuilder pb = new ProcessBuilder(List.of(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-Xmx256m",
                            "-cp",
                            System.getProperty("java.class.path"),
                            ReferenceServer.class.getName()))
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile());
            pb.environment()
                    .putAll(Map.of(
                            "FERRY_SERVER_NAME",
                            name,
                            "FERRY_PORT",
                            "0",
                            "FERRY_ADMIN_PORT",
                            "0",
                            "FERRY_ADMIN_TOKEN",
                            token,
                            "FERRY_STORE_URI",
                            storeUri,
                            "FERRY_PEERS",
                            ""));
            Process p = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                Matcher m = READY.matcher(Files.readString(logFile));
                if (m.find()) return new ChildServer(name, m.group(2), m.group(3), token, p);
                if (!p.isAlive()) break;
                p.waitFor(100, TimeUnit.MILLISECONDS);
            }
            p.destroyForcibly();
            throw new IOException(name + " did not start: " + Files.readString(logFile));
        }

        long sessions() {
            try {
                return AdminJson.read(admin("GET", AdminPaths.STATUS, null), StatusResponse.class)
                        .sessions()
                        .total();
            } catch (RuntimeException e) {
                log.warn("{}: cannot read its session count: {}", name, e.toString());
                return -1;
            }
        }

        String get(String path) throws IOException, InterruptedException {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://" + adminAddress + path))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        }

        /** @param body the request record, or null for none */
        String admin(String method, String path, Record body) {
            String json = body == null ? null : AdminJson.toJson(body);
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + adminAddress + path))
                    .timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + token);
            b = json == null
                    ? b.method(method, HttpRequest.BodyPublishers.noBody())
                    : b.header("Content-Type", "application/json")
                            .method(method, HttpRequest.BodyPublishers.ofString(json));
            try {
                HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() / 100 != 2)
                    throw new IllegalStateException(method + " " + path + ": HTTP " + r.statusCode() + " " + r.body());
                return r.body();
            } catch (IOException e) {
                throw new IllegalStateException(method + " " + path + " on " + name + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
