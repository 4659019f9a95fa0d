package dev.ferry.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The scenario parser: the shipped files are valid, and a broken file says where and what is wrong. */
class ScenarioFileTest {
    private static final String GOOD = """
            {"name": "x", "spec": "s", "setup": {"servers": [{"I": 1, "S": 2}]},
             "steps": [{"do": "connect", "session": "c1", "server": 0}, {"do": "execute", "session": "c1", "command": "PING"}]}
            """;

    @Test
    void everyShippedScenarioParsesAndNamesAreUnique() {
        List<Scenario> all = ScenarioFile.readAll(ConformanceRun.scenarioDirectory());
        assertThat(all).hasSizeGreaterThanOrEqualTo(20);
        Set<String> names = new HashSet<>();
        for (Scenario s : all)
            assertThat(names.add(s.name())).as("duplicate name %s", s.name()).isTrue();
        // Every step kind the format offers is used by at least one scenario, so none of them is untested.
        Set<String> used = new HashSet<>();
        all.forEach(s -> s.steps().forEach(st -> used.add(st.kind())));
        assertThat(used).containsAll(ScenarioFile.kinds());
    }

    @Test
    void aGoodScenarioParses() {
        Scenario s = ScenarioFile.parse("good.json", GOOD, "x");
        assertThat(s.setup().servers()).containsExactly(new Scenario.ServerSetup(1, 2, 0, 0, 0));
        assertThat(s.setup().storeUp()).isTrue();
        assertThat(s.steps()).extracting(Scenario.Step::kind).containsExactly("connect", "execute");
        assertThat(s.expectedFailure()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not JSON                 | {"name":                                                  | not valid JSON
            not an object            | []                                                        | must be a JSON object
            unknown top-level field  | {"name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"hello"}],"colour":1} | colour: unknown field
            name differs from file   | {"name":"y","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"hello"}]} | name: must equal the file name
            bad name                 | {"name":"X Y","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"hello"}]} | name: must be lowercase
            no steps                 | {"name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[]} | steps: must be a non-empty array
            timer out of range       | {"name":"x","spec":"s","setup":{"servers":[{"I":40000,"S":1}]},"steps":[{"do":"hello"}]} | setup.servers[0].I: must be an integer in 0..32767
            missing timer            | {"name":"x","spec":"s","setup":{"servers":[{"I":1}]},"steps":[{"do":"hello"}]} | setup.servers[0].S: is required
            bad store                | {"name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}],"store":"sideways"},"steps":[{"do":"hello"}]} | setup.store: must be "up" or "down"
            unknown step kind        | {"name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"fly"}]} | steps[0].do: unknown step kind "fly"
            missing required field   | {"name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"execute","session":"c1"}]} | steps[0].command: is required
            unknown step field       | {"name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"hello","sesion":"c1"}]} | steps[0].sesion: unknown field
            server index too big     | {"name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"kill","server":1}]} | steps[0].server: must be a server index in 0..0
            connect without target   | {"name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"connect","session":"c1"}]} | exactly one of "server"
            bad regex                | {"name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"hello","expect":{"client":"("}}]} | steps[0].expect.client: is matched as a regular expression
            bad error kinds          | {"name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"hello","expect":{"error":[]}}]} | steps[0].expect.error: must be an error kind
            bad ttl                  | {"name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"storeKey","session":"a","present":true,"ttl":[3,1]}]} | steps[0].ttl: must be [low, high]
            ttl when absent          | {"name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"storeKey","session":"a","present":false,"ttl":[1,3]}]} | only applies with "present": true
            raw frame bad hex        | {"name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"raw","conn":"a","server":0,"send":[{"hex":"0g"}]}]} | steps[0].send[0].hex: must be an even number of hex digits
            raw unknown frame type   | {"name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"raw","conn":"a","server":0,"send":[{"type":"HELO"}]}]} | steps[0].send[0].type: unknown frame type "HELO"
            raw with nothing to do   | {"name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"raw","conn":"a","server":0}]} | needs at least one of send, expect, closed, hangUp
            duplicate key            | {"name":"x","name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"hello"}]} | not valid JSON
            blank expectedFailure    | {"name":"x","spec":"s","expectedFailure":" ","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"hello"}]} | expectedFailure: must say why
            admin bad token mode     | {"name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"admin","server":0,"method":"GET","path":"/v1/status","expectStatus":200,"token":"maybe"}]} | steps[0].token: must be "valid"
            migrate without sessions | {"name":"x","spec":"s","setup":{"servers":[{"I":1,"S":1}]},"steps":[{"do":"migrate","server":0,"to":[0]}]} | exactly one of "sessions"
            """)
    void aBrokenScenarioSaysWhereAndWhat(String what, String json, String message) {
        assertThatThrownBy(() -> ScenarioFile.parse("broken.json", json, "x"))
                .as(what)
                .isInstanceOf(ScenarioFormatException.class)
                .hasMessageStartingWith("broken.json: ")
                .hasMessageContaining(message);
    }
}
