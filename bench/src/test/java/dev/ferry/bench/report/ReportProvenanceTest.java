package dev.ferry.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the report says about where each result comes from, and how it renders files of both rollout orders and older files. */
class ReportProvenanceTest {
    private static final String FIXTURE;

    static {
        try (var in = ReportProvenanceTest.class.getResourceAsStream("/report/fixture.json")) {
            FIXTURE = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @TempDir
    Path dir;

    private static BenchResult fixture() {
        return ResultFiles.parse(Path.of("fixture.json"), FIXTURE);
    }

    private static BenchResult as(String scenario) {
        BenchResult f = fixture();
        return new BenchResult(
                scenario,
                f.title(),
                f.measuredAt(),
                f.command(),
                f.machine(),
                f.baselineLabel(),
                f.figures(),
                List.of(),
                f.notes());
    }

    private static String render(List<ResultFiles.ResultFile> files) throws IOException {
        return MarkdownReport.render(files, "# Header", chart -> "bench/" + chart.id() + ".png");
    }

    @Test
    void provenanceIsWrittenAndReadBack() throws Exception {
        Provenance p = new Provenance(
                "0123456789abcdef0123456789abcdef01234567",
                true,
                List.of("bench/pom.xml"),
                "VM 25 (vendor)",
                List.of("idle-drain", "--sessions", "100"),
                true);
        Path file = ResultFiles.write(dir, fixture().withProvenance(p));

        assertThat(ResultFiles.read(file).provenance()).isEqualTo(p);
    }

    @Test
    void aResultWithoutProvenanceSaysNotRecorded() throws Exception {
        String md = render(List.of(new ResultFiles.ResultFile("throughput.json", as("throughput"))));

        assertThat(md)
                .contains(
                        "Commit: not recorded; working tree: not recorded; JVM: not recorded; arguments: not recorded.");
        assertThat(md)
                .contains(
                        "| `throughput.json` | 2026-11-22T07:00:00Z | not recorded | not recorded | not recorded | not recorded |");
        assertThat(md).contains("The commit is not recorded for `throughput.json`");
    }

    @Test
    void resultsFromDifferentCommitsAreSaidToBe() throws Exception {
        BenchResult a = as("capacity")
                .withProvenance(new Provenance("aaaaaaaaaaaa", false, List.of(), "VM", List.of("capacity"), false));
        BenchResult b = as("throughput")
                .withProvenance(new Provenance(
                        "bbbbbbbbbbbb",
                        true,
                        List.of("client/x.java"),
                        "VM",
                        List.of("throughput", "--measure", "PT2S"),
                        true));

        String md = render(List.of(
                new ResultFiles.ResultFile("capacity.json", a), new ResultFiles.ResultFile("throughput.json", b)));

        assertThat(md).contains("**These results come from 2 different commits** (aaaaaaaaaa, bbbbbbbbbb)");
        assertThat(md)
                .contains(
                        "Commit: bbbbbbbbbb; working tree: uncommitted changes in client/x.java; JVM: VM; arguments: `throughput --measure PT2S`.");
        assertThat(md).contains("## " + b.title() + " (smoke-sized run)");
        assertThat(md).contains("**Smoke-sized results:** `throughput.json`");
        assertThat(md).contains("| `capacity.json` | 2026-11-22T07:00:00Z | aaaaaaaaaa | clean | full | `capacity` |");
    }

    @Test
    void theOperatorsBuiltFromNoteNamesTheCommitWhenNothingElseDoes() throws Exception {
        BenchResult f = fixture();
        List<String> notes = new ArrayList<>(f.notes());
        notes.add("built from commit 80cfedf+uncommitted changes");
        BenchResult r = new BenchResult(
                f.scenario(),
                f.title(),
                f.measuredAt(),
                f.command(),
                f.machine(),
                f.baselineLabel(),
                f.figures(),
                List.of(),
                notes);

        String md = render(List.of(new ResultFiles.ResultFile("rollout.json", r)));

        assertThat(md)
                .contains(
                        "Commit: 80cfedf (from the result's notes); working tree: uncommitted changes (from the result's notes)");
    }

    @Test
    void bothAutoscaleOrdersAreRenderedAndNamedTheDefaultOrderFirst() throws Exception {
        Path results = Files.createDirectories(dir.resolve("results"));
        String autoscale = FIXTURE.replace("\"scenario\": \"rollout\"", "\"scenario\": \"autoscale\"");
        Files.writeString(
                results.resolve("autoscale-baseline-first.json"),
                autoscale.replace(
                        "\"command\": \"scripts/bench.sh rollout\"",
                        "\"command\": \"scripts/bench-operator.sh autoscale --baseline-first\""));
        Files.writeString(
                results.resolve("autoscale.json"),
                autoscale.replace(
                        "\"command\": \"scripts/bench.sh rollout\"",
                        "\"command\": \"scripts/bench-operator.sh autoscale\""));

        List<ResultFiles.ResultFile> files = ResultFiles.readAll(results);
        String md = render(files);

        assertThat(files)
                .extracting(ResultFiles.ResultFile::fileName)
                .containsExactly("autoscale.json", "autoscale-baseline-first.json");
        assertThat(md).contains(" — Ferry fleet first (the default order)");
        assertThat(md).contains(" — baseline fleet first (--baseline-first)");
        assertThat(md.indexOf("Ferry fleet first")).isLessThan(md.indexOf("baseline fleet first"));
    }

    @Test
    void bothRolloutOrdersAreRenderedAndNamed() throws Exception {
        Path results = Files.createDirectories(dir.resolve("results"));
        Files.writeString(
                results.resolve("rollout-baseline-first.json"),
                FIXTURE.replace(
                        "\"command\": \"scripts/bench.sh rollout\"",
                        "\"command\": \"scripts/bench-operator.sh rollout --baseline-first\""));
        Files.writeString(results.resolve("rollout.json"), FIXTURE);

        List<ResultFiles.ResultFile> files = ResultFiles.readAll(results);
        String md = render(files);

        assertThat(files)
                .extracting(ResultFiles.ResultFile::fileName)
                .containsExactly("rollout.json", "rollout-baseline-first.json");
        assertThat(md)
                .contains(
                        "## Rolling upgrade of a 3-pod fleet under 3,000 busy clients — baseline fleet first (--baseline-first)");
        assertThat(md)
                .contains(
                        "## Rolling upgrade of a 3-pod fleet under 3,000 busy clients — Ferry fleet first (the default order)");
    }

    @Test
    void olderFilesGetLabelsThatSayWhatWasMeasured() throws Exception {
        BenchResult f = fixture();
        List<BenchResult.Figure> figures = List.of(
                new BenchResult.Figure(LegacyResults.OLD_PAUSE, "ms", 144.0, 230.4, null, null),
                new BenchResult.Figure(LegacyResults.OLD_DUPLICATES, "rows", 0.0, 147713.0, "0", true));
        BenchResult inBatch = new BenchResult(
                "in-batch",
                "In-batch",
                f.measuredAt(),
                f.command(),
                f.machine(),
                "killed",
                figures,
                List.of(),
                List.of(LegacyResults.OLD_PAUSE_NOTE + "Client counters of the Ferry run: Snapshot[...]"));
        BenchResult capacity = new BenchResult(
                "capacity",
                "Capacity",
                f.measuredAt(),
                f.command(),
                f.machine(),
                "empty",
                List.of(new BenchResult.Figure(LegacyResults.OLD_HELD, "sessions", 19000.0, null, ">= 100000", false)),
                List.of(),
                List.of());

        String md = render(List.of(
                new ResultFiles.ResultFile("in-batch.json", inBatch),
                new ResultFiles.ResultFile("capacity.json", capacity)));

        // The p99 is no longer in the baseline column.
        assertThat(md)
                .contains(
                        "| client-visible pause p50 (MIGRATE read to WELCOME, client library; Ferry only) | ms | 144 |  |  |  |");
        assertThat(md)
                .contains(
                        "| client-visible pause p99 (MIGRATE read to WELCOME, client library; Ferry only) | ms | 230 |  |  |  |");
        assertThat(md).contains("counted after the client library had dropped duplicates (0 for Ferry by construction");
        assertThat(md)
                .contains(
                        "| idle sessions held by one server process: at least this many (the largest step tried; no step failed, "
                                + "so this is not a measured maximum) | sessions | 19,000 |");
        assertThat(md).contains("this baseline restarted each stream at row 0");
        assertThat(md)
                .doesNotContain("the baseline column holds the Ferry p99")
                .contains("- Client counters of the Ferry run: Snapshot[...]");
    }

    @Test
    void filesWithProvenanceAreRenderedAsWritten() {
        BenchResult r = new BenchResult(
                "capacity",
                "Capacity",
                "t",
                "c",
                fixture().machine(),
                null,
                List.of(new BenchResult.Figure(LegacyResults.OLD_HELD, "sessions", 1.0, null, null, null)),
                List.of(),
                List.of(),
                new Provenance("abc", false, List.of(), "VM", List.of(), false));

        assertThat(LegacyResults.correct(r)).isSameAs(r);
    }
}
