package dev.ferry.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.admin.api.AdminJson;
import dev.ferry.admin.api.DrainRequest;
import dev.ferry.admin.api.ErrorResponse;
import dev.ferry.admin.api.PeersRequest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Random and broken bodies for the three endpoints that read one, straight into the router of a
 * real server: a body is either taken (2xx) or refused with 400 and an ErrorResponse that says what
 * to fix; never another status, never a 500.
 */
class AdminRequestBodyFuzzTest {
    private static AdminTestServer t;

    @BeforeContainer
    static void start() {
        t = AdminTestServer.start(b -> b.requestsPerSecond(1_000_000));
    }

    @AfterContainer
    static void stop() {
        t.close();
    }

    @Property(tries = 1500)
    void aBodyIsTakenOrRefusedWithAClear400(
            @ForAll("routes") Tuple.Tuple2<String, String> route, @ForAll("bodies") String body) throws Exception {
        AdminRequest request = new AdminRequest(
                route.get1(),
                route.get2(),
                "Bearer " + AdminTestServer.TOKEN,
                null,
                "application/json",
                body.getBytes(StandardCharsets.UTF_8));

        AdminResponse r = t.admin.router().handle(request).get(10, TimeUnit.SECONDS);

        String answer = new String(r.body(), StandardCharsets.UTF_8);
        Statistics.label("status").collect(r.status());
        assertThat(r.status())
                .as("%s %s %s -> %s", route.get1(), route.get2(), body, answer)
                .isIn(200, 202, 400);
        if (r.status() == 400) {
            assertThat(AdminJson.readStrict(answer, ErrorResponse.class).error())
                    .contains("e.g. {")
                    .doesNotContain("Exception");
        }
    }

    @Provide
    Arbitrary<Tuple.Tuple2<String, String>> routes() {
        return Arbitraries.of(
                Tuple.of("POST", "/v1/drain"), Tuple.of("POST", "/v1/migrate"), Tuple.of("PUT", "/v1/peers"));
    }

    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> valid = Arbitraries.of(
                AdminJson.toJson(new DrainRequest(java.util.List.of("127.0.0.1:7999"), 0)),
                AdminJson.toJson(new PeersRequest(java.util.List.of("127.0.0.1:7999", "[::1]:2"))),
                "{\"count\":3,\"targets\":[\"127.0.0.1:7999\"]}",
                "{\"sessions\":[\"0123456789abcdef0123456789abcdef\"],\"targets\":[\"h:1\"]}");
        Arbitrary<String> broken = Combinators.combine(
                        valid,
                        Arbitraries.integers().between(0, 200),
                        Arbitraries.chars().with('"', '{', '}', '[', ']', ',', ':', '1', '-', 'e', '.', 'n', '\\'))
                .as((s, at, c) -> {
                    int i = at % s.length();
                    return at % 2 == 0
                            ? s.substring(0, i) + s.substring(i + 1)
                            : s.substring(0, i) + c + s.substring(i + 1);
                });
        Arbitrary<String> fieldNames = Arbitraries.of("targets", "ratePerSecond", "count", "sessions", "peers", "x");
        Arbitrary<String> values = Arbitraries.of(
                "null",
                "true",
                "0",
                "-1",
                "1.5",
                "1e999",
                "99999999999",
                "\"\"",
                "\"a:1\"",
                "[]",
                "[\"a:1\"]",
                "[1]",
                "[null]",
                "{}",
                "[\"0123456789abcdef0123456789abcdef\"]",
                "[\"[fd00::1]:70000\"]");
        Arbitrary<String> objects = Combinators.combine(fieldNames, values)
                .as((n, v) -> "\"" + n + "\":" + v)
                .list()
                .ofMaxSize(4)
                .map(members -> "{" + String.join(",", members) + "}");
        return Arbitraries.frequencyOf(
                Tuple.of(2, valid),
                Tuple.of(4, broken),
                Tuple.of(4, objects),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(30)));
    }
}
