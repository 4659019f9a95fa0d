package dev.ferry.admin.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each refusal names the field, says what was expected and shows a valid body; valid bodies read as sent. */
class RequestValidationTest {
    private static final String ID = "0123456789abcdef0123456789abcdef";

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            drain   | {"targets":["127.0.0.1:7001"],"rate":5}                 | unknown field 'rate'; this endpoint accepts only ratePerSecond, targets
            drain   | {"targets":["127.0.0.1:7001"]}                          | field 'ratePerSecond' is required
            drain   | {"targets":["127.0.0.1:7001"],"ratePerSecond":"fast"}   | field 'ratePerSecond' must be a number of sessions asked to migrate per second, from 0 to 10000000 (0 = all at once), got a string "fast"
            drain   | {"targets":["127.0.0.1:7001"],"ratePerSecond":-1}       | field 'ratePerSecond' must be a number of sessions asked to migrate per second, from 0 to 10000000 (0 = all at once), got the number -1
            drain   | {"targets":["127.0.0.1:7001"],"ratePerSecond":1e300}    | got the number 1.0E300
            drain   | {"targets":[],"ratePerSecond":1}                        | field 'targets' must hold 1 to 16 entries, had 0
            drain   | {"ratePerSecond":1}                                     | field 'targets' is required: a list of 1 to 16 strings
            drain   | {"targets":"127.0.0.1:7001","ratePerSecond":1}          | field 'targets' must be a list of 1 to 16 strings, got a string
            drain   | {"targets":[7001],"ratePerSecond":1}                    | field 'targets[0]' must be a string, got the number 7001
            drain   | {"targets":["127.0.0.1"],"ratePerSecond":1}             | field 'targets[0]' must be "host:port"
            drain   | {"targets":["fd00::1:7000"],"ratePerSecond":1}          | IPv6 host must be in brackets
            drain   | [1,2]                                                   | request body must be a JSON object, got an array
            drain   | null                                                    | request body must be a JSON object, got null
            drain   | {"targets":["a:1"],"targets":["b:2"],"ratePerSecond":1} | Duplicate field 'targets'
            drain   | {"targets":["a:1"],"ratePerSecond":1} x                 | request body is not valid JSON (line 1, column
            drain   | {"targets":["a:1"],"ratePerSecond":1} "x"               | request body holds more than one JSON value: another starts at line 1, column 39
            peers   | {"peers":[]}{"peers":[]}                                | request body holds more than one JSON value
            drain   | {"targets": ["a:1",, }                                  | request body is not valid JSON (line 1, column
            migrate | {"targets":["127.0.0.1:7001"]}                          | neither field 'count' nor 'sessions' was given; give exactly one of them
            migrate | {"count":1,"sessions":["00"],"targets":["a:1"]}         | fields 'count' and 'sessions' were both given; give exactly one of them
            migrate | {"count":1.5,"targets":["127.0.0.1:7001"]}              | field 'count' must be a whole number from 1 to 1000000, got the number 1.5
            migrate | {"count":0,"targets":["127.0.0.1:7001"]}                | field 'count' must be a whole number from 1 to 1000000, got the number 0
            migrate | {"count":99999999999,"targets":["127.0.0.1:7001"]}      | field 'count' must be a whole number from 1 to 1000000, got the number 99999999999
            migrate | {"count":"3","targets":["127.0.0.1:7001"]}              | field 'count' must be a whole number from 1 to 1000000, got a string "3"
            migrate | {"sessions":["xyz"],"targets":["127.0.0.1:7001"]}       | field 'sessions[0]' must be a session ID of 32 hex digits
            migrate | {"sessions":[],"targets":["127.0.0.1:7001"]}            | field 'sessions' must hold 1 to 10000 entries, had 0
            migrate | {"sessions":["+123456789abcdef0123456789abcdef"],"targets":["a:1"]} | field 'sessions[0]' must be a session ID of 32 hex digits
            migrate | {"count":2}                                             | field 'targets' is required
            peers   | {"peers":null}                                          | field 'peers' is required
            peers   | {}                                                      | field 'peers' is required
            peers   | {"peers":[null]}                                        | field 'peers[0]' must be a string, got null
            """)
    void aRefusedBodySaysWhatToFix(String endpoint, String body, String expected) {
        assertThatThrownBy(() -> parser(endpoint).apply(utf8(body)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining(expected)
                .hasMessageContaining("e.g. {");
    }

    @Test
    void anEmptyBodyIsRefusedWithAnExample() {
        for (String endpoint : List.of("drain", "migrate", "peers")) {
            for (String body : List.of("", "   ")) {
                assertThatThrownBy(() -> parser(endpoint).apply(utf8(body)))
                        .isInstanceOf(InvalidRequestException.class)
                        .hasMessageStartingWith("request body is empty; expected a JSON object, e.g. {");
            }
        }
    }

    @Test
    void validBodiesReadAsSent() {
        assertThat(DrainRequest.fromJson(utf8("{\"targets\":[\"a:1\",\"[fd00::1]:2\"],\"ratePerSecond\":2.5}")))
                .isEqualTo(new DrainRequest(List.of("a:1", "[fd00::1]:2"), 2.5));
        assertThat(MigrateRequest.fromJson(utf8("{\"count\":3.0,\"targets\":[\"a:1\"]}")))
                .isEqualTo(MigrateRequest.ofCount(3, List.of("a:1")));
        assertThat(MigrateRequest.fromJson(
                        utf8("{\"sessions\":[\"" + ID + "\"],\"count\":null,\"targets\":[\"a:1\"]}")))
                .isEqualTo(MigrateRequest.ofSessions(List.of(ID), List.of("a:1")));
        assertThat(PeersRequest.fromJson(utf8("{\"peers\":[]}"))).isEqualTo(new PeersRequest(List.of()));
    }

    @Test
    void whatACallerBuildsIsCheckedBeforeItIsSent() {
        assertThatThrownBy(() -> MigrateRequest.ofCount(0, List.of("a:1")))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("field 'count' must be a whole number from 1 to 1000000, got the number 0");
        assertThatThrownBy(() -> new DrainRequest(List.of("a:1"), Double.NaN))
                .hasMessageContaining("field 'ratePerSecond' must be");
        assertThatThrownBy(() -> new DrainRequest(Collections.nCopies(17, "a:1"), 1))
                .hasMessageContaining("field 'targets' must hold 1 to 16 entries, had 17");
        assertThatThrownBy(() -> new PeersRequest(null)).hasMessageContaining("field 'peers' is required");
        assertThatThrownBy(() -> new MigrateRequest(1, List.of(ID), List.of("a:1")))
                .hasMessageContaining("give exactly one of them");
    }

    @Test
    void theRecordsAreImmutable() {
        List<String> targets = new java.util.ArrayList<>(List.of("a:1"));
        DrainRequest drain = new DrainRequest(targets, 1);
        targets.add("b:2");
        assertThat(drain.targets()).containsExactly("a:1");
        assertThatThrownBy(() -> drain.targets().add("c:3")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void theCountFormLeavesOutSessionsAndTheListFormLeavesOutCount() {
        assertThat(AdminJson.toJson(MigrateRequest.ofCount(5, List.of("a:1"))))
                .isEqualTo("{\"count\":5,\"targets\":[\"a:1\"]}");
        assertThat(AdminJson.toJson(MigrateRequest.ofSessions(List.of(ID), List.of("a:1"))))
                .isEqualTo("{\"sessions\":[\"" + ID + "\"],\"targets\":[\"a:1\"]}");
    }

    @Test
    void wholeSecondsAreWrittenAsIntegers() {
        assertThat(AdminJson.toJson(new Timers(60, 0.25, false)))
                .isEqualTo("{\"idleMigrationSeconds\":60,\"sessionIdleSeconds\":0.25,\"migrationDisabled\":false}");
        assertThat(AdminJson.readStrict(AdminJson.toJson(new Timers(60, 0.25, true)), Timers.class))
                .isEqualTo(new Timers(60, 0.25, true));
    }

    @Test
    void readingToleratesUnknownFieldsAndReadingStrictlyDoesNot() {
        String body = "{\"peers\":[\"a:1\"],\"new\":1}";
        assertThat(AdminJson.read(body, PeersResponse.class).peers()).containsExactly("a:1");
        assertThatThrownBy(() -> AdminJson.readStrict(body, PeersResponse.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a PeersResponse")
                .hasMessageContaining("new");
        assertThatThrownBy(() -> AdminJson.read("not json", PeersResponse.class))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AdminJson.read("null", PeersResponse.class))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static Function<byte[], Object> parser(String endpoint) {
        return switch (endpoint) {
            case "drain" -> DrainRequest::fromJson;
            case "migrate" -> MigrateRequest::fromJson;
            case "peers" -> PeersRequest::fromJson;
            default -> throw new IllegalArgumentException(endpoint);
        };
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
