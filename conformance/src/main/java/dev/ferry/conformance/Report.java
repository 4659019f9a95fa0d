package dev.ferry.conformance;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The results of one client's run: written as JSON ({@code target/conformance/CLIENT.json}) and summed up in one
 * line. Scenarios marked expectedFailure are counted apart: they are known findings, not passes.
 */
public final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final String client;
    private final List<ScenarioRunner.Result> results = new ArrayList<>();

    public Report(String client) {
        this.client = client;
    }

    public synchronized void add(ScenarioRunner.Result result) {
        results.add(result);
    }

    private long count(ScenarioRunner.Outcome outcome) {
        return results.stream().filter(r -> r.outcome() == outcome).count();
    }

    /** "conformance java: N scenarios, P passed, F failed", then the expected failures and stale marks if any. */
    public synchronized String summary() {
        String line = "conformance " + client + ": " + results.size() + " scenarios, "
                + count(ScenarioRunner.Outcome.PASSED) + " passed, " + count(ScenarioRunner.Outcome.FAILED) + " failed";
        long expected = count(ScenarioRunner.Outcome.EXPECTED_FAILURE);
        long stale = count(ScenarioRunner.Outcome.UNEXPECTED_PASS);
        if (expected > 0) line += "; " + expected + " expected failures (reported findings)";
        if (stale > 0) line += "; " + stale + " marked expectedFailure but passed";
        return line;
    }

    public synchronized void write(Path file) {
        ObjectNode root = JSON.createObjectNode();
        root.put("client", client);
        root.put("scenarios", results.size());
        root.put("passed", count(ScenarioRunner.Outcome.PASSED));
        root.put("failed", count(ScenarioRunner.Outcome.FAILED));
        root.put("expectedFailures", count(ScenarioRunner.Outcome.EXPECTED_FAILURE));
        root.put("unexpectedPasses", count(ScenarioRunner.Outcome.UNEXPECTED_PASS));
        root.put(
                "seconds",
                results.stream().mapToLong(ScenarioRunner.Result::millis).sum() / 1000.0);
        ArrayNode list = root.putArray("results");
        for (ScenarioRunner.Result r : results) {
            ObjectNode o = list.addObject();
            o.put("name", r.scenario().name());
            o.put("spec", r.scenario().spec());
            o.put(
                    "outcome",
                    r.outcome().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
            o.put("seconds", r.millis() / 1000.0);
            if (r.failure() != null) o.put("reason", r.failure());
            if (r.scenario().expectedFailure() != null)
                o.put("expectedFailure", r.scenario().expectedFailure());
        }
        try {
            Files.createDirectories(file.getParent());
            JSON.writeValue(file.toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
