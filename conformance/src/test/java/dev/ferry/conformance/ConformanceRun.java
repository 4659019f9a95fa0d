package dev.ferry.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every scenario with one client's driver, one dynamic test per scenario (named by the scenario), and writes
 * {@code target/conformance/CLIENT.json} and the summary line once the last one ran.
 */
final class ConformanceRun {
    private static final Logger log = LoggerFactory.getLogger(ConformanceRun.class);

    private ConformanceRun() {}

    static Path scenarioDirectory() {
        return Path.of(System.getProperty("ferry.conformance.scenarios", "scenarios"));
    }

    static Path outputDirectory() {
        return Path.of(System.getProperty("ferry.conformance.output", "target/conformance"));
    }

    static Stream<DynamicTest> tests(String client, Function<Path, DriverProcess> driver) {
        List<Scenario> scenarios = ScenarioFile.readAll(scenarioDirectory());
        // -Dferry.conformance.only=a,b runs just those (while writing a scenario); the report then covers just those.
        String only = System.getProperty("ferry.conformance.only", "");
        if (!only.isBlank()) {
            java.util.Set<String> names = java.util.Set.of(only.split(","));
            scenarios = scenarios.stream().filter(s -> names.contains(s.name())).toList();
            if (scenarios.isEmpty()) throw new IllegalArgumentException("no scenario named " + names);
        }
        Path out = outputDirectory();
        ScenarioRunner runner = new ScenarioRunner(driver, out.resolve(client));
        Report report = new Report(client);
        int[] left = {scenarios.size()};
        return scenarios.stream()
                .map(s -> DynamicTest.dynamicTest(s.name(), () -> {
                    ScenarioRunner.Result r;
                    try {
                        r = runner.run(s);
                        report.add(r);
                    } finally {
                        if (--left[0] == 0) {
                            report.write(out.resolve(client + ".json"));
                            String summary = report.summary();
                            log.info(summary);
                            System.out.println(summary);
                        }
                    }
                    switch (r.outcome()) {
                        case PASSED -> {
                            // nothing to add
                        }
                        case FAILED -> fail(s.name() + " (" + s.spec() + "): " + r.failure());
                        case EXPECTED_FAILURE ->
                            log.warn("{}: failed as expected ({}): {}", s.name(), s.expectedFailure(), r.failure());
                        case UNEXPECTED_PASS ->
                            fail(s.name() + " passed but is marked expectedFailure (\"" + s.expectedFailure()
                                    + "\"): the finding is fixed; remove the mark");
                    }
                }));
    }
}
