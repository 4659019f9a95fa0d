package dev.ferry.node.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The autoscale result in the shape the report generator reads, from two made-up runs. */
class AutoscaleReportTest {

    @TempDir
    Path dir;

    private static List<AutoscaleTimeline.Sample> timeline(int upAt, int peak, int downAt, Integer cpu) {
        List<AutoscaleTimeline.Sample> samples = new ArrayList<>();
        for (int t = -40; t <= 200; t++) {
            int spec = t < upAt ? 1 : t < downAt ? peak : 1;
            int ready = t < upAt + 3 ? 1 : t < downAt + 5 ? peak : 1;
            long sessions = t < 0 || t > 130 ? 100 : 300;
            long max = sessions / ready;
            samples.add(
                    new AutoscaleTimeline.Sample(t, spec, ready, sessions, max, max - 5, max + 2, 1000L + t, 0, cpu));
        }
        return samples;
    }

    private static ClosedLoopClients.Outcome outcome(long ok, long failed, Map<Integer, Integer> migrations) {
        return new ClosedLoopClients.Outcome(
                ok, failed, 0, 0, 0, 0, migrations, new Histogram(3), new Histogram(3), Map.of());
    }

    private static AutoscaleBenchmark.Run run(String label, List<AutoscaleTimeline.Sample> samples, long failed) {
        return new AutoscaleBenchmark.Run(
                label,
                samples,
                130,
                true,
                195,
                outcome(5000, failed, Map.of(0, 60, 1, 40)),
                outcome(8000, 0, Map.of(0, 150, 1, 50)),
                List.of("+5.0 s: Scaled from 1 to 3"),
                List.of("Available=True (MinimumReplicasReady)"),
                List.of("ScalingActive=True (ValidMetricFound: ok)"),
                90,
                0);
    }

    @Test
    void figuresChartsAndNotesOfBothRuns() throws Exception {
        AutoscaleBenchmark bench = new AutoscaleBenchmark();
        new CommandLine(bench).parseArgs(); // the options' defaults
        BenchReport report = new BenchReport(
                AutoscaleBenchmark.SCENARIO,
                "title",
                "scripts/bench-operator.sh autoscale",
                "an HPA",
                new Provenance("abc", false, List.of(), "jvm", List.of("autoscale"), false));

        bench.describe(
                report, run("ferry", timeline(5, 3, 190, null), 0), run("baseline", timeline(20, 4, 200, 70), 3));
        JsonNode json =
                new ObjectMapper().readTree(report.write(dir, "autoscale.json").toFile());

        assertThat(json.get("scenario").asText()).isEqualTo("autoscale");
        Map<String, JsonNode> figures = new java.util.LinkedHashMap<>();
        json.get("figures").forEach(f -> figures.put(f.get("name").asText(), f));
        assertThat(figures.get("surge to the first scale-up (spec.replicas raised)")
                        .get("ferry")
                        .asDouble())
                .isEqualTo(5.0);
        assertThat(figures.get("surge to the first scale-up (spec.replicas raised)")
                        .get("baseline")
                        .asDouble())
                .isEqualTo(20.0);
        assertThat(figures.get("peak replicas").get("baseline").asDouble()).isEqualTo(4.0);
        assertThat(figures.get("most sessions on one pod during the surge (fleet status)")
                        .get("target")
                        .asText())
                .isEqualTo("100 per pod (target)");
        assertThat(figures.get("surge left to the first scale-down")
                        .get("ferry")
                        .asDouble())
                .isEqualTo(60.0);
        JsonNode failed = figures.get("commands failed");
        assertThat(failed.get("ferry").asDouble()).isZero();
        assertThat(failed.get("baseline").asDouble()).isEqualTo(3.0);
        assertThat(failed.get("target").asText()).isEqualTo("0");
        assertThat(failed.get("met").asBoolean()).isTrue();
        assertThat(figures.get("migrations (counted by the clients)")
                        .get("ferry")
                        .asDouble())
                .isEqualTo(90.0);

        JsonNode charts = json.get("charts");
        assertThat(charts).hasSize(2);
        assertThat(charts.get(0).get("id").asText()).isEqualTo("autoscale-replicas-over-time");
        assertThat(charts.get(1).get("id").asText()).isEqualTo("autoscale-sessions-per-pod-over-time");
        for (JsonNode c : charts) {
            assertThat(c.get("kind").asText()).isEqualTo("line");
            for (JsonNode s : c.get("series")) {
                assertThat(s.get("x").size()).isEqualTo(s.get("y").size()).isPositive();
                assertThat(s.get("x").get(0).asDouble()).isGreaterThanOrEqualTo(-30);
            }
        }
        JsonNode target = charts.get(1).get("series").get(2);
        assertThat(target.get("name").asText()).isEqualTo("target (100 per pod)");
        assertThat(target.get("x").get(0).asDouble()).isEqualTo(-30.0);
        assertThat(target.get("x").get(1).asDouble()).isEqualTo(200.0);
        assertThat(target.get("y").get(0).asDouble()).isEqualTo(100.0);
        assertThat(json.get("notes").toString()).contains("HPA CPU utilisation").contains("70 %");
    }
}
