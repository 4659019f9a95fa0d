package dev.ferry.bench.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The picture is drawn from query results alone: legends, variables, rows and the caption. */
class DashboardPictureTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void legendsFillInTheSeriesLabelsAsGrafanaDoes() throws Exception {
        JsonNode metric = JSON.readTree("{\"pod\":\"pod-1\",\"reason\":\"busy\"}");
        assertThat(DashboardPicture.legend("failed: {{reason}} on {{ pod }}", metric))
                .isEqualTo("failed: busy on pod-1");
        assertThat(DashboardPicture.legend("", metric)).isEqualTo("pod=pod-1, reason=busy");
        assertThat(DashboardPicture.legend("{{missing}}x", metric)).isEqualTo("x");
    }

    @Test
    void theDashboardsVariablesBecomeEveryNamespaceAndFleetAndAFixedRateWindow() {
        assertThat(
                        MonitoringRun.substitute(
                                "sum(rate(ferry_commands_total{namespace=~\"$namespace\", fleet=~\"$fleet\"}[$__rate_interval]))"))
                .isEqualTo("sum(rate(ferry_commands_total{namespace=~\".*\", fleet=~\".*\"}[10s]))");
    }

    @Test
    void aPictureHasARowOfChartsPerRowOfPanelsUnderTheCaption(@TempDir Path dir) throws Exception {
        JsonNode results = JSON.readTree("""
                {"start": "2026-01-01T00:00:00Z", "prometheus": "module-v0", "scrapeIntervalSeconds": 1,
                 "provenance": {"commit": "0123456789abcdef", "dirty": false},
                 "events": [{"second": 1.0, "what": "start"}],
                 "alerts": [{"metric": {"alertname": "FerryContextStoreDown", "alertstate": "firing"},
                             "values": [[1767225630, "1"]]}],
                 "clientCommandsOk": 10, "clientCommandsFailed": 0,
                 "panels": [
                   {"title": "Fleet", "type": "row"},
                   {"title": "Sessions per pod", "type": "timeseries", "unit": "short", "targets": [
                     {"refId": "A", "legendFormat": "{{pod}}", "result": [
                       {"metric": {"pod": "pod-0"}, "values": [[1767225600, "1"], [1767225602, "NaN"], [1767225604, "3"]]}]}]},
                   {"title": "Nothing", "type": "stat", "unit": "ops", "targets": [{"refId": "A", "result": []}]},
                   {"title": "Operator", "type": "row"},
                   {"title": "Queue", "type": "timeseries", "targets": []}
                 ]}
                """);
        assertThat(DashboardPicture.alerts(results)).isEqualTo("FerryContextStoreDown firing from 30");

        Path png = DashboardPicture.render(results, dir.resolve("d.png"));

        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(DashboardPicture.COLUMNS * DashboardPicture.CHART_W);
        // Caption, then two rows of one chart line each.
        assertThat(image.getHeight()).isGreaterThan(2 * (DashboardPicture.HEADING_H + DashboardPicture.CHART_H));
    }

    /** docs/metrics.md cites the kept run's figures: they must be the ones in its results file. */
    @Test
    void theDocsCiteTheKeptRunsFigures() throws Exception {
        Path repo = Path.of("..").toAbsolutePath().normalize();
        JsonNode run =
                JSON.readTree(repo.resolve("docs/monitoring/dashboard-run.json").toFile());
        String docs = java.nio.file.Files.readString(repo.resolve("docs/metrics.md"));
        assertThat(docs)
                .contains(String.format(
                        java.util.Locale.ROOT,
                        "The clients ran %,d commands, none failed",
                        run.path("clientCommandsOk").asLong()));
        assertThat(run.path("clientCommandsFailed").asLong()).isZero();
        long largestScrape = 0;
        for (JsonNode bytes : run.path("scrapeBytes")) largestScrape = Math.max(largestScrape, bytes.asLong());
        assertThat(docs)
                .contains(String.format(
                        java.util.Locale.ROOT, "One server's scrape was %.1f kB", largestScrape / 1000.0));
        String alerts = DashboardPicture.alerts(run);
        java.util.regex.Matcher firing = java.util.regex.Pattern.compile("FerryContextStoreDown firing from (\\d+)")
                .matcher(alerts);
        assertThat(firing.find()).as(alerts).isTrue();
        assertThat(docs).contains("firing at " + firing.group(1) + " s");
    }
}
