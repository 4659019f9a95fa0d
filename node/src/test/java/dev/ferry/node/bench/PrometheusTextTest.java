package dev.ferry.node.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    private static final String SCRAPE = """
            # HELP jvm_memory_used_bytes The amount of used memory
            # TYPE jvm_memory_used_bytes gauge
            jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1048576.0
            jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 2097152.0
            jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 5.0E7
            jvm_threads_live_threads 40.0
            op_seconds_bucket{controller="serverfleet",le="0.001"} 0.0
            op_seconds_bucket{controller="serverfleet",le="0.01"} 10.0
            op_seconds_bucket{controller="serverfleet",le="0.1"} 90.0
            op_seconds_bucket{controller="serverfleet",le="+Inf"} 100.0
            op_seconds_count{controller="serverfleet"} 100.0
            weird{path="a \\"quoted\\" b, c=d"} 3 1700000000000
            """;

    @Test
    void sumsSamplesByNameAndLabels() {
        PrometheusText m = PrometheusText.parse(SCRAPE);

        assertThat(m.sum("jvm_memory_used_bytes", l -> "heap".equals(l.get("area"))))
                .isEqualTo(3145728.0);
        assertThat(m.sum("jvm_memory_used_bytes")).isEqualTo(3145728.0 + 5.0e7);
        assertThat(m.sum("jvm_threads_live_threads")).isEqualTo(40.0);
        assertThat(m.sum("absent")).isZero();
        assertThat(m.namesContaining("op_seconds")).containsExactly("op_seconds_bucket", "op_seconds_count");
    }

    @Test
    void labelValuesKeepEscapedQuotesCommasAndSpaces() {
        PrometheusText m = PrometheusText.parse(SCRAPE);

        assertThat(m.samples())
                .filteredOn(s -> s.name().equals("weird"))
                .singleElement()
                .satisfies(s -> {
                    assertThat(s.labels()).containsExactly(Map.entry("path", "a \"quoted\" b, c=d"));
                    assertThat(s.value()).isEqualTo(3.0);
                });
    }

    @Test
    void quantileInterpolatesInsideTheBucketBetweenTwoScrapes() {
        TreeMap<Double, Double> before = PrometheusText.parse("""
                op_seconds_bucket{le="0.01"} 5
                op_seconds_bucket{le="0.1"} 5
                op_seconds_bucket{le="+Inf"} 5
                """).buckets("op_seconds", l -> true);
        TreeMap<Double, Double> after = PrometheusText.parse(SCRAPE).buckets("op_seconds", l -> true);

        // 95 new observations: 5 up to 10 ms, 80 in (10 ms, 100 ms], 10 above.
        assertThat(PrometheusText.quantile(0.5, before, after)).isCloseTo(0.01 + 0.09 * (47.5 - 5) / 80, within(1e-12));
        assertThat(PrometheusText.quantile(0.05, before, after)).isCloseTo(0.001 + 0.009 * 4.75 / 5, within(1e-12));
        assertThat(PrometheusText.quantile(0.99, before, after)).isEqualTo(0.1); // in +Inf: the highest finite bound
        assertThat(PrometheusText.quantile(0.5, after, after)).isNaN();
    }

    @Test
    void whatIsRenderedParsesBackForRandomSamples() {
        Random random = new Random(42);
        for (int round = 0; round < 300; round++) {
            List<PrometheusText.Sample> samples = new ArrayList<>();
            StringBuilder text = new StringBuilder("# TYPE x gauge\n");
            for (int i = 0; i < 1 + random.nextInt(6); i++) {
                Map<String, String> labels = new LinkedHashMap<>();
                for (int k = 0; k < random.nextInt(4); k++) {
                    labels.put("k" + k, randomValue(random));
                }
                double value = random.nextBoolean() ? random.nextInt(1000) : random.nextGaussian() * 1e6;
                PrometheusText.Sample s = new PrometheusText.Sample("m_" + random.nextInt(5) + "_total", labels, value);
                samples.add(s);
                text.append(render(s)).append('\n');
            }

            assertThat(PrometheusText.parse(text.toString()).samples())
                    .as(text.toString())
                    .isEqualTo(samples);
        }
    }

    @Test
    void garbageIsRejectedWithTheLineNotWithAnIndexError() {
        Random random = new Random(7);
        String alphabet = "ab_{}=\", .+-1e9#\\";
        for (int round = 0; round < 2000; round++) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < random.nextInt(30); i++) {
                line.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            try {
                PrometheusText.parse(line.toString());
            } catch (IllegalArgumentException e) {
                assertThat(e).hasMessageStartingWith("not a Prometheus sample line: ");
            }
        }
        assertThatThrownBy(() -> PrometheusText.parse("up{job=\"x\" 1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("up{job=\"x\" 1");
        assertThatThrownBy(() -> PrometheusText.parse("up one")).isInstanceOf(IllegalArgumentException.class);
    }

    private static String randomValue(Random random) {
        String chars = "az09 ,=\"\\{}/";
        StringBuilder v = new StringBuilder();
        for (int i = 0; i < random.nextInt(8); i++) {
            v.append(chars.charAt(random.nextInt(chars.length())));
        }
        return v.toString();
    }

    private static String render(PrometheusText.Sample s) {
        StringBuilder b = new StringBuilder(s.name());
        if (!s.labels().isEmpty()) {
            b.append('{');
            List<String> parts = new ArrayList<>();
            s.labels()
                    .forEach((k, v) ->
                            parts.add(k + "=\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\""));
            b.append(String.join(",", parts)).append('}');
        }
        return b.append(' ').append(String.format(Locale.ROOT, "%s", s.value())).toString();
    }

    @Test
    void infiniteAndNotANumberValuesAsTheApiServerWritesThem() {
        PrometheusText m = PrometheusText.parse("""
                rest_client_exec_plugin_ttl_seconds +Inf
                low -Inf
                odd{a="b"} NaN
                """);

        assertThat(m.sum("rest_client_exec_plugin_ttl_seconds")).isInfinite().isPositive();
        assertThat(m.sum("low")).isInfinite().isNegative();
        assertThat(m.sum("odd")).isNaN();
    }
}
