package dev.ferry.conformance;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one scenario from start to end: the driver and the fleet start (the driver's JVM start overlaps the
 * servers'), the steps run, and everything started is stopped again, whatever happened.
 */
public final class ScenarioRunner {
    private static final Logger log = LoggerFactory.getLogger(ScenarioRunner.class);

    /** The outcome of one scenario. */
    public record Result(Scenario scenario, boolean passed, String failure, long millis, Path logDirectory) {
        public Outcome outcome() {
            if (scenario.expectedFailure() == null) return passed ? Outcome.PASSED : Outcome.FAILED;
            return passed ? Outcome.UNEXPECTED_PASS : Outcome.EXPECTED_FAILURE;
        }
    }

    /**
     * PASSED and FAILED for ordinary scenarios; a scenario marked expectedFailure (a reported finding) is
     * EXPECTED_FAILURE when it fails and UNEXPECTED_PASS when it passes (the mark is stale).
     */
    public enum Outcome {
        PASSED,
        FAILED,
        EXPECTED_FAILURE,
        UNEXPECTED_PASS
    }

    private final Function<Path, DriverProcess> driverLauncher;
    private final Path outputDirectory;

    /**
     * @param driverLauncher starts the client's driver with its stderr going to the given file
     * @param outputDirectory where each scenario's logs go (a directory per scenario)
     */
    public ScenarioRunner(Function<Path, DriverProcess> driverLauncher, Path outputDirectory) {
        this.driverLauncher = driverLauncher;
        this.outputDirectory = outputDirectory;
    }

    public Result run(Scenario scenario) {
        Path logs = outputDirectory.resolve(scenario.name());
        long start = System.nanoTime();
        log.info("scenario {} ({}) starting", scenario.name(), scenario.spec());
        try (DriverProcess driver = driverLauncher.apply(logs.resolve("driver.log"));
                Fleet fleet = Fleet.start(scenario.setup(), logs);
                StepRunner steps = new StepRunner(fleet, driver)) {
            List<Scenario.Step> list = scenario.steps();
            for (Scenario.Step step : list) steps.run(step);
            long ms = (System.nanoTime() - start) / 1_000_000;
            log.info("scenario {} passed in {} ms", scenario.name(), ms);
            return new Result(scenario, true, null, ms, logs);
        } catch (ScenarioFailure e) {
            long ms = (System.nanoTime() - start) / 1_000_000;
            log.info("scenario {} failed in {} ms: {}", scenario.name(), ms, e.getMessage());
            return new Result(scenario, false, e.getMessage() + " (logs: " + logs + ")", ms, logs);
        } catch (RuntimeException e) {
            long ms = (System.nanoTime() - start) / 1_000_000;
            log.warn("scenario {} broke the harness", scenario.name(), e);
            return new Result(scenario, false, "harness error: " + e + " (logs: " + logs + ")", ms, logs);
        }
    }
}
