package dev.ferry.admin.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Whatever body comes, reading it either gives a valid request, or refuses it with an {@link
 * InvalidRequestException} whose message says what to fix; never any other exception. Bodies are
 * random bytes, random JSON, and valid bodies broken in one place.
 */
class RequestParsingPropertyTest {
    private static final List<String> ENDPOINTS = List.of("drain", "migrate", "peers");

    @Property(tries = 3000)
    void anyBodyIsReadOrRefusedClearly(@ForAll("endpoints") String endpoint, @ForAll("bodies") String body) {
        Function<byte[], Object> parse = RequestValidationTest.parser(endpoint);
        try {
            Object request = parse.apply(body.getBytes(StandardCharsets.UTF_8));
            Statistics.label("outcome").collect("read");
            // What was read is what a caller could have built and sent: it reads back the same.
            assertThat(parse.apply(AdminJson.toBytes(request))).isEqualTo(request);
        } catch (InvalidRequestException e) {
            Statistics.label("outcome").collect("refused");
            assertThat(e.getMessage())
                    .contains("e.g. {")
                    .doesNotContain("com.fasterxml")
                    .doesNotContain("Exception");
        }
    }

    @Property(tries = 1000)
    void anyBytesAreReadOrRefusedClearly(@ForAll("endpoints") String endpoint, @ForAll byte[] body) {
        try {
            RequestValidationTest.parser(endpoint).apply(body);
        } catch (InvalidRequestException e) {
            assertThat(e.getMessage()).contains("e.g. {");
        }
    }

    @Provide
    Arbitrary<String> endpoints() {
        return Arbitraries.of(ENDPOINTS);
    }

    @Provide
    Arbitrary<String> bodies() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, objects()),
                net.jqwik.api.Tuple.of(2, broken()),
                net.jqwik.api.Tuple.of(1, values(2)),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMaxLength(40)));
    }

    /** An object with the endpoints' field names (and others), holding any JSON values. */
    private Arbitrary<String> objects() {
        Arbitrary<String> names = Arbitraries.of(
                "targets", "ratePerSecond", "count", "sessions", "peers", "rate", "", "TARGETS", "targets\u0000");
        Arbitrary<String> member = Combinators.combine(names, values(2)).as((n, v) -> quote(n) + ":" + v);
        return member.list().ofMaxSize(4).map(m -> "{" + String.join(",", m) + "}");
    }

    /** A valid body with one character dropped, doubled or replaced. */
    private Arbitrary<String> broken() {
        Arbitrary<String> valid = Arbitraries.of(
                DrainRequest.EXAMPLE,
                PeersRequest.EXAMPLE,
                "{\"count\":100,\"targets\":[\"10.0.0.2:7000\"]}",
                "{\"sessions\":[\"0123456789abcdef0123456789abcdef\"],\"targets\":[\"[fd00::1]:7000\"]}");
        return Combinators.combine(
                        valid,
                        Arbitraries.integers().between(0, 1000),
                        Arbitraries.of(0, 1, 2),
                        Arbitraries.chars().with('"', '{', '}', '[', ']', ',', ':', '0', '-', 'e', '.', ' ', '\\'))
                .as((s, at, how, c) -> {
                    int i = at % s.length();
                    return switch (how) {
                        case 0 -> s.substring(0, i) + s.substring(i + 1);
                        case 1 -> s.substring(0, i) + s.charAt(i) + s.substring(i);
                        default -> s.substring(0, i) + c + s.substring(i + 1);
                    };
                });
    }

    private Arbitrary<String> values(int depth) {
        Arbitrary<String> scalars = Arbitraries.oneOf(
                Arbitraries.of(
                        "null",
                        "true",
                        "false",
                        "0",
                        "-1",
                        "1.5",
                        "1e400",
                        "-0",
                        "2147483648",
                        "99999999999999999999",
                        "1E-400",
                        "3.0",
                        "16",
                        "17",
                        "10000001"),
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.doubles().map(String::valueOf),
                Arbitraries.of("10.0.0.2:7000", "[fd00::1]:1", "h:65536", "0123456789abcdef0123456789abcdef", "x")
                        .map(RequestParsingPropertyTest::quote),
                Arbitraries.strings().ofMaxLength(12).map(RequestParsingPropertyTest::quote));
        if (depth == 0) return scalars;
        Arbitrary<String> arrays = values(depth - 1).list().ofMaxSize(4).map(l -> "[" + String.join(",", l) + "]");
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, scalars),
                net.jqwik.api.Tuple.of(3, arrays),
                net.jqwik.api.Tuple.of(1, Arbitraries.just("{}")));
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }
}
