package dev.ferry.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Whatever a result file holds, reading it either succeeds or fails with a ResultFormatException naming the file. */
class ResultFilesPropertyTest {
    private static final Path FILE = Path.of("results/fuzz.json");
    private static final String FIXTURE;

    static {
        try (var in = ResultFilesPropertyTest.class.getResourceAsStream("/report/fixture.json")) {
            FIXTURE = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Property(tries = 500)
    void arbitraryTextNeverEscapesAsAnotherException(@ForAll String text) {
        check(text);
    }

    @Property(tries = 1000)
    void mutatedFixturesFailOnlyWithTheFileNamed(@ForAll("mutations") String text) {
        check(text);
    }

    @Provide
    Arbitrary<String> mutations() {
        return Arbitraries.integers()
                .between(0, FIXTURE.length() - 1)
                .tuple2()
                .flatMap(t -> Arbitraries.of("", "null", "1", "\"x\"", "[]", "{}", "true", ",", "-1.5e3")
                        .map(insert -> {
                            int from = Math.min(t.get1(), t.get2());
                            int to = Math.min(FIXTURE.length(), from + Math.abs(t.get1() - t.get2()) % 12);
                            return FIXTURE.substring(0, from) + insert + FIXTURE.substring(to);
                        }));
    }

    private static void check(String text) {
        try {
            BenchResult r = ResultFiles.parse(FILE, text);
            assertThat(r.scenario()).matches("[a-z0-9][a-z0-9-]*");
        } catch (ResultFormatException e) {
            assertThat(e.getMessage()).startsWith(FILE + ": ");
        }
    }
}
