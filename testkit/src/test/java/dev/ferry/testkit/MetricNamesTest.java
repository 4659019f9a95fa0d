package dev.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parser and matcher of the monitoring checks, including the mistakes they must catch. */
class MetricNamesTest {

    static final String SCRAPE = """
            # HELP ferry_commands_total Commands run
            # TYPE ferry_commands_total counter
            ferry_commands_total 12.0
            # HELP ferry_migration_pause_seconds Pause
            # TYPE ferry_migration_pause_seconds histogram
            ferry_migration_pause_seconds_bucket{le="0.001"} 0
            ferry_migration_pause_seconds_bucket{le="+Inf"} 3
            ferry_migration_pause_seconds_count 3
            ferry_migration_pause_seconds_sum 0.42
            # TYPE ferry_context_export_seconds summary
            ferry_context_export_seconds{quantile="0.5"} 0.001
            ferry_context_export_seconds_count 3
            ferry_context_export_seconds_sum 0.003
            # TYPE ferry_sessions gauge
            ferry_sessions{state="NONE"} 4.0
            """;

    @Test
    void promqlNamesAreTheSelectedMetricsOnly() {
        assertThat(
                        MetricNames.promqlNames(
                                "histogram_quantile(0.99, sum by (le, pod) (rate(ferry_migration_pause_seconds_bucket{namespace=~\"$namespace\", le!=\"x\"}[$__rate_interval])))"))
                .containsExactly("ferry_migration_pause_seconds_bucket");
        assertThat(MetricNames.promqlNames(
                        "ferry_draining == 1 and on (pod) time() > ferry_drain_deadline_timestamp_seconds offset 1m"))
                .containsExactly("ferry_drain_deadline_timestamp_seconds", "ferry_draining");
        assertThat(MetricNames.promqlNames(
                        "sum without (state) (ferry_sessions) > 1.5e3 * on (namespace) group_left (x) max(kube_thing)"))
                .containsExactly("ferry_sessions", "kube_thing");
        assertThat(MetricNames.promqlNames("rate(x_total[5m:30s]) / ignoring(reason) y unless z or vector(0)"))
                .containsExactly("x_total", "y", "z");
    }

    @Test
    void histogramAndSummarySuffixesAreExportedAndOtherNamesAreNot() {
        MetricNames.Scrape s = MetricNames.Scrape.parse(SCRAPE);

        assertThat(s.exports("ferry_migration_pause_seconds_bucket")).isTrue();
        assertThat(s.exports("ferry_migration_pause_seconds_count")).isTrue();
        assertThat(s.exports("ferry_context_export_seconds")).isTrue();
        assertThat(s.exports("ferry_commands_total")).isTrue();
        // What a mistaken panel would ask for: the histogram's bare name, a misspelt or unsuffixed counter.
        assertThat(s.exports("ferry_migration_pause_seconds")).isFalse();
        assertThat(s.exports("ferry_migration_pause_seconds_max")).isFalse();
        assertThat(s.exports("ferry_comands_total")).isFalse();
        assertThat(s.exports("ferry_sessions_bucket")).isFalse();
        assertThat(s.familiesStartingWith("ferry_"))
                .containsExactly(
                        "ferry_commands_total",
                        "ferry_context_export_seconds",
                        "ferry_migration_pause_seconds",
                        "ferry_sessions");
    }

    @Test
    void aRuleOrPanelNamingAnUnexportedMetricIsReportedWithWhereItIsUsed(@TempDir Path dir) throws IOException {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, """
                apiVersion: monitoring.coreos.com/v1
                kind: PrometheusRule
                spec:
                  groups:
                    - name: g
                      rules:
                        - alert: Good
                          expr: rate(ferry_commands_total[5m]) > 0
                        - alert: Typo
                          expr: rate(ferry_commnds_total[5m]) > 0 and on (pod) up == 1
                """);
        Path dashboard = dir.resolve("d.json");
        Files.writeString(dashboard, """
                {"panels": [{"title": "row", "panels": [
                  {"title": "Pause", "targets": [{"refId": "A",
                   "expr": "histogram_quantile(0.5, sum by (le) (rate(ferry_migration_pause_seconds[1m])))"}]}]}]}
                """);
        MetricNames.Scrape s = MetricNames.Scrape.parse(SCRAPE);

        Map<String, Set<String>> fromRules = MetricNames.unexported(MetricNames.ruleExpressions(rules), s, Set.of());
        assertThat(fromRules).containsOnlyKeys("ferry_commnds_total", "up");
        assertThat(fromRules.get("ferry_commnds_total")).containsExactly("g/Typo");
        // A name another component's check vouches for is accepted.
        assertThat(MetricNames.unexported(MetricNames.ruleExpressions(rules), s, Set.of("up", "ferry_commnds_total")))
                .isEmpty();
        assertThat(MetricNames.unexported(MetricNames.dashboardExpressions(dashboard), s, Set.of()))
                .containsOnlyKeys("ferry_migration_pause_seconds");
    }

    @Test
    void documentedNamesAreReadFromTheirSectionOnly() {
        String md = """
                # Metrics
                ## Server metrics
                | name | type |
                | --- | --- |
                | `ferry_sessions` | gauge |
                | `ferry_commands_total` | counter |
                text `ferry_not_a_row`
                ## Operator metrics
                | `operator_sdk_x` | counter |
                """;
        assertThat(MetricNames.documented(md, "Server metrics"))
                .containsExactly("ferry_commands_total", "ferry_sessions");
        assertThat(MetricNames.documented(md, "Operator metrics")).containsExactly("operator_sdk_x");
        assertThatThrownBy(() -> MetricNames.documented(md, "Client metrics")).hasMessageContaining("Client metrics");
    }

    @Test
    void aLineThatIsNotASampleIsRefused() {
        assertThatThrownBy(() -> MetricNames.Scrape.parse("{oops} 1")).isInstanceOf(IllegalArgumentException.class);
    }
}
