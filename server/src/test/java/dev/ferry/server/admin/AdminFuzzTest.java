package dev.ferry.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
 * Random methods, paths, headers and bodies thrown at the admin API over real TCP: the answer is
 * always a 2xx or 4xx JSON response (readiness may say 503), never a 500, and always comes
 * (RawHttp fails a read after 5 s).
 */
class AdminFuzzTest {
    private static final List<String> PATHS = List.of(
            "/healthz/live",
            "/healthz/ready",
            "/metrics",
            "/v1/status",
            "/v1/sessions",
            "/v1/drain",
            "/v1/migrate",
            "/v1/peers",
            "/",
            "/v1",
            "/v1/");
    private static AdminTestServer t;

    @BeforeContainer
    static void start() {
        t = AdminTestServer.start(b -> b.requestsPerSecond(1_000_000).maxBodyBytes(4096));
    }

    @AfterContainer
    static void stop() {
        t.close();
    }

    @Property(tries = 400)
    void everyRequestGetsAJsonAnswerThatIsNotAServerError(
            @ForAll("methods") String method,
            @ForAll("paths") String path,
            @ForAll("headers") List<String> headers,
            @ForAll("bodies") String body)
            throws IOException {
        byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder request =
                new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: fuzz\r\n");
        headers.forEach(h -> request.append(h).append("\r\n"));
        request.append("Content-Length: ").append(bodyBytes.length).append("\r\n\r\n");
        byte[] head = request.toString().getBytes(StandardCharsets.UTF_8);

        RawHttp.Response r;
        try (RawHttp c = new RawHttp(t.admin.localAddress())) {
            c.write(head);
            c.write(bodyBytes);
            r = c.read(method.equals("HEAD"));
        }

        Statistics.label("status").collect(r.status()); // shows in the report that the fuzz reaches past 401/404
        Statistics.label("path").collect(PATHS.contains(path) ? path : "other");
        // The router ignores a query or fragment: "/metrics?x" is the metrics endpoint.
        String route = path.split("[?#]", 2)[0];
        boolean readiness = route.equals("/healthz/ready");
        assertThat(r.status())
                .as("%s %s", method, path)
                .satisfiesAnyOf(
                        s -> assertThat(s).isBetween(200, 299),
                        s -> assertThat(s).isBetween(400, 499),
                        s -> assertThat(readiness && s == 503).isTrue());
        if (method.equals("HEAD")) return;
        if (route.equals("/metrics") && r.status() == 200) {
            assertThat(r.header("content-type")).startsWith("text/plain");
            return;
        }
        assertThat(r.header("content-type")).isEqualTo("application/json");
        JsonNode json = AdminTestServer.json(r.body());
        assertThat(json.isObject()).isTrue();
        if (r.status() >= 400) assertThat(json.get("error").asText()).isNotBlank();
    }

    @Provide
    Arbitrary<String> methods() {
        return Arbitraries.frequencyOf(
                Tuple.of(9, Arbitraries.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")),
                Tuple.of(
                        1,
                        Arbitraries.strings()
                                .withCharRange('A', 'Z')
                                .ofMinLength(1)
                                .ofMaxLength(10)));
    }

    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> junk = Arbitraries.strings()
                .withChars("abcdefghijklmnopqrstuvwxyz0123456789/-._~%?=&#:@!$'()*+,;")
                .ofMaxLength(60);
        // Mostly real paths, so the fuzz gets past 404 into auth, validation and the endpoints.
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(PATHS)),
                Tuple.of(2, Combinators.combine(Arbitraries.of(PATHS), junk).as(String::concat)),
                Tuple.of(1, junk.map(s -> "/" + s)),
                Tuple.of(
                        1,
                        Arbitraries.of(
                                "*", "http://fuzz/v1/status", "http://fuzz", "/v1/status?x=%zz", "//v1//status")));
    }

    @Provide
    Arbitrary<List<String>> headers() {
        Arbitrary<String> auth = Arbitraries.of(
                "Authorization: Bearer " + AdminTestServer.TOKEN,
                "Authorization: Bearer " + AdminTestServer.TOKEN,
                "Authorization: Bearer nope",
                "Authorization: Bearer",
                "Authorization: Basic Zm9vOmJhcg==",
                "Authorization: " + AdminTestServer.TOKEN);
        Arbitrary<String> contentType = Arbitraries.of(
                "Content-Type: application/json",
                "Content-Type: application/json; charset=utf-8",
                "Content-Type: text/plain",
                "Content-Type: ",
                "Content-Type: application/JSON");
        Arbitrary<String> connection =
                Arbitraries.of("Connection: close", "Connection: keep-alive", "Expect: 100-continue");
        Arbitrary<String> random = Combinators.combine(
                        Arbitraries.strings()
                                .withCharRange('a', 'z')
                                .withChars('-')
                                .ofMinLength(1)
                                .ofMaxLength(20),
                        Arbitraries.strings().ascii().ofMaxLength(40))
                .as((n, v) -> "X-" + n + ": " + v.replace('\r', ' ').replace('\n', ' '));
        return Arbitraries.frequencyOf(
                        Tuple.of(4, auth), Tuple.of(3, contentType), Tuple.of(1, connection), Tuple.of(1, random))
                .list()
                .ofMaxSize(4);
    }

    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> target = Arbitraries.of(
                "127.0.0.1:7001", "h:0", "h:65536", "[::1]:7", "a", "", "x:y", "fd00::1:7000", "host.example:443");
        Arbitrary<String> number = Arbitraries.of(
                "0", "-1", "1", "2.5", "1e308", "-0", "99999999999999999999", "\"5\"", "null", "true", "[]", "{}");
        Arbitrary<String> drain = Combinators.combine(target.list().ofMaxSize(18), number)
                .as((ts, n) -> "{\"targets\":" + jsonStrings(ts) + ",\"ratePerSecond\":" + n + "}");
        Arbitrary<String> migrate = Combinators.combine(
                        number,
                        target.list().ofMaxSize(3),
                        Arbitraries.strings()
                                .withChars("0123456789abcdefg")
                                .ofLength(32)
                                .list()
                                .ofMaxSize(3))
                .as((n, ts, ids) -> "{\"count\":" + n + ",\"sessions\":" + jsonStrings(ids) + ",\"targets\":"
                        + jsonStrings(ts) + "}");
        Arbitrary<String> fragments = Arbitraries.of(
                        "{",
                        "}",
                        "[",
                        "]",
                        "\"targets\"",
                        "\"peers\"",
                        "\"count\"",
                        ":",
                        ",",
                        "\"a:1\"",
                        "1",
                        "null",
                        "\"\\u0000\"",
                        "\"\\ud800\"",
                        "tru",
                        "\u00e9")
                .list()
                .ofMaxSize(20)
                .map(l -> String.join("", l));
        return Arbitraries.oneOf(
                Arbitraries.just(""),
                Arbitraries.strings().ofMaxLength(200),
                drain,
                migrate,
                fragments,
                target.list().ofMaxSize(5).map(ts -> "{\"peers\":" + jsonStrings(ts) + "}"),
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(4097).ofMaxLength(6000));
    }

    private static String jsonStrings(List<String> values) {
        return values.stream()
                .map(v -> "\"" + v + "\"")
                .reduce((a, b) -> a + "," + b)
                .map(s -> "[" + s + "]")
                .orElse("[]");
    }
}
