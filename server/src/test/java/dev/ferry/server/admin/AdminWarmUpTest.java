package dev.ferry.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.server.WarmUp;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Readiness after a warm-up ({@link AdminOptions.Builder#readyAfter(WarmUp)}), on a real server and admin API. */
class AdminWarmUpTest {

    @Test
    void notReadyBeforeOrWhileTheWarmUpRunsReadyAfterItAndItsFiguresAreExported() {
        List<Integer> statusesDuringRun = new ArrayList<>();
        List<String> statesDuringRun = new ArrayList<>();
        AtomicReference<AdminTestServer> server = new AtomicReference<>();
        WarmUp warmUp = WarmUp.of("admin-test", 3, Duration.ofMinutes(1), index -> {
            HttpResponse<String> r = server.get().send("GET", "/healthz/ready", null, null);
            statusesDuringRun.add(r.statusCode());
            statesDuringRun.add(AdminTestServer.json(r).get("warmUp").asText());
        });
        try (AdminTestServer t = AdminTestServer.start(b -> b.readyAfter(warmUp))) {
            server.set(t);
            warmUp.bindTo(t.server.meterRegistry());

            HttpResponse<String> before = t.send("GET", "/healthz/ready", null, null);
            assertThat(before.statusCode()).isEqualTo(503);
            JsonNode body = AdminTestServer.json(before);
            assertThat(body.get("status").asText()).isEqualTo("NOT_READY");
            assertThat(body.get("warmUp").asText()).isEqualTo("PENDING");
            assertThat(body.get("error").asText()).contains("warming up (0 of 3 iterations)");

            WarmUp.Result result = warmUp.run();

            assertThat(result.completed()).isEqualTo(3);
            assertThat(result.failed()).isZero();
            assertThat(statusesDuringRun).containsExactly(503, 503, 503);
            assertThat(statesDuringRun).containsOnly("RUNNING");
            assertThat(t.send("GET", "/healthz/ready", null, null).statusCode()).isEqualTo(200);
            String metrics = t.get("/metrics").body();
            assertThat(metrics).contains("ferry_warmup_iterations 3.0");
            double seconds = Double.parseDouble(metrics.lines()
                    .filter(l -> l.startsWith("ferry_warmup_seconds "))
                    .findFirst()
                    .orElseThrow()
                    .substring("ferry_warmup_seconds ".length()));
            assertThat(seconds).isEqualTo(result.took().toNanos() / 1e9);
            assertThat(seconds).isPositive();
        }
    }

    @Test
    void aWarmUpThatKeepsFailingStopsAndTheServerBecomesReadyAnyway() {
        List<Integer> ran = new ArrayList<>();
        WarmUp warmUp = WarmUp.of("admin-test", 10, Duration.ofMinutes(1), index -> {
            ran.add(index);
            throw new IllegalStateException("no answer");
        });
        try (AdminTestServer t = AdminTestServer.start(b -> b.readyAfter(warmUp))) {
            assertThat(t.send("GET", "/healthz/ready", null, null).statusCode()).isEqualTo(503);

            WarmUp.Result result = warmUp.run();

            assertThat(ran).containsExactly(0, 1, 2);
            assertThat(result.completed()).isZero();
            assertThat(result.failed()).isEqualTo(WarmUp.MAX_FAILURES_IN_A_ROW);
            assertThat(result.stoppedBecause()).contains("in a row failed");
            assertThat(t.send("GET", "/healthz/ready", null, null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void withoutAWarmUpTheServerIsReadyAtOnceAndExportsZero() {
        WarmUp none = WarmUp.none("admin-test");
        try (AdminTestServer t = AdminTestServer.start(b -> b.readyAfter(none))) {
            none.bindTo(t.server.meterRegistry());

            assertThat(t.send("GET", "/healthz/ready", null, null).statusCode()).isEqualTo(200);
            assertThat(t.get("/metrics").body())
                    .contains("ferry_warmup_seconds 0.0")
                    .contains("ferry_warmup_iterations 0.0");
        }
    }
}
