package dev.ferry.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The gauges the admin API's /metrics adds for monitoring: the store's ping and the drain's timers. */
class AdminMetricsTest {

    @Test
    void theStoreGaugeSaysWhetherTheStoreAnsweredThePingOfThisScrape() {
        try (AdminTestServer t = AdminTestServer.start(b -> b.storePingCacheTtl(Duration.ZERO))) {
            assertThat(value(scrape(t), "ferry_context_store_up")).isEqualTo(1.0);

            t.store.pingMode(PingableStore.PingMode.FAIL);
            assertThat(value(scrape(t), "ferry_context_store_up")).isEqualTo(0.0);

            t.store.pingMode(PingableStore.PingMode.ANSWER);
            assertThat(value(scrape(t), "ferry_context_store_up")).isEqualTo(1.0);
        }
    }

    @Test
    void theDrainGaugesFollowADrainFromItsStartToItsCancellation() {
        try (AdminTestServer t = AdminTestServer.start()) {
            String before = scrape(t);
            assertThat(value(before, "ferry_draining")).isEqualTo(0.0);
            assertThat(value(before, "ferry_drain_started_timestamp_seconds")).isNaN();
            assertThat(value(before, "ferry_drain_deadline_timestamp_seconds")).isNaN();

            double asked = System.currentTimeMillis() / 1000.0;
            assertThat(t.send("POST", "/v1/drain", "{\"targets\":[\"127.0.0.1:7001\"],\"ratePerSecond\":10}")
                            .statusCode())
                    .isEqualTo(202);
            String during = scrape(t);
            assertThat(value(during, "ferry_draining")).isEqualTo(1.0);
            double started = value(during, "ferry_drain_started_timestamp_seconds");
            assertThat(started).isBetween(asked - 1, System.currentTimeMillis() / 1000.0 + 1);
            // No session to ask: the deadline is the idle migration timer (60 s by default) + the 5 s margin.
            assertThat(value(during, "ferry_drain_deadline_timestamp_seconds") - started)
                    .isCloseTo(65.0, org.assertj.core.data.Offset.offset(0.001));

            assertThat(t.send("DELETE", "/v1/drain", null).statusCode()).isEqualTo(200);
            String after = scrape(t);
            assertThat(value(after, "ferry_draining")).isEqualTo(0.0);
            assertThat(value(after, "ferry_drain_deadline_timestamp_seconds")).isNaN();
        }
    }

    @Test
    void everyMigrationFailureReasonIsExportedAtZeroBeforeAnyFailure() {
        try (AdminTestServer t = AdminTestServer.start()) {
            String scrape = scrape(t);
            for (String reason : java.util.List.of("store_unavailable", "busy", "held", "expired")) {
                assertThat(scrape).contains("ferry_migrations_failed_total{reason=\"" + reason + "\"} 0.0");
            }
        }
    }

    private static String scrape(AdminTestServer t) {
        HttpResponse<String> r = t.send("GET", "/metrics", null, null);
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** The value of the one unlabelled sample {@code name} in a Prometheus text scrape. */
    static double value(String scrape, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(scrape);
        assertThat(m.find()).as("%s in%n%s", name, scrape).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
