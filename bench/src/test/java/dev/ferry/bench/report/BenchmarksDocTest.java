package dev.ferry.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/benchmarks.md is exactly what the report renders from bench/results/*.json and the
 * maintained header: nothing in it is typed by hand, and it is not stale. After changing a result,
 * the header or the report code, run {@code scripts/bench.sh --report}.
 */
class BenchmarksDocTest {
    /** The repository root: the build runs this module's tests in bench/. */
    private static Path root() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("bench/results")) ? here : here.getParent();
    }

    @Test
    void docsBenchmarksMdIsWhatTheReportRendersFromTheResults() throws Exception {
        Path root = root();
        List<ResultFiles.ResultFile> results = ResultFiles.readAll(root.resolve("bench/results"));
        String header = Files.readString(root.resolve("docs/bench/report-header.md"), StandardCharsets.UTF_8);
        // Charts are not drawn: only where the report links them, relative to docs/ as the real run writes them.
        List<Lever> levers = Levers.readAll(root.resolve("bench/results/levers"));
        String expected = MarkdownReport.render(results, levers, header, chart -> "bench/" + chart.id() + ".png");
        String actual = Files.readString(root.resolve("docs/benchmarks.md"), StandardCharsets.UTF_8);

        assertThat(actual)
                .as(
                        "docs/benchmarks.md differs from what `scripts/bench.sh --report` renders from bench/results; rerun it")
                .isEqualTo(expected);
    }
}
