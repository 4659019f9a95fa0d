package dev.ferry.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The report command turns result files in the shared shape into Markdown and PNG charts. */
class ReportCommandTest {
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    Path dir;

    private Path results() throws Exception {
        Path results = Files.createDirectories(dir.resolve("results"));
        try (InputStream in = getClass().getResourceAsStream("/report/fixture.json")) {
            Files.copy(in, results.resolve("rollout.json"));
        }
        return results;
    }

    private int report(Path results, StringWriter err) throws Exception {
        Files.writeString(dir.resolve("header.md"), "# Benchmark results\n\nMaintained method text.\n");
        CommandLine cli = new CommandLine(new ReportCommand());
        cli.setErr(new PrintWriter(err));
        return cli.execute(
                "--results",
                results.toString(),
                "--out",
                dir.resolve("docs/benchmarks.md").toString(),
                "--charts",
                dir.resolve("docs/bench").toString(),
                "--header",
                dir.resolve("header.md").toString());
    }

    @Test
    void writesTheFiguresTableAndOnePngPerChart() throws Exception {
        assertThat(report(results(), new StringWriter())).isZero();

        String md = Files.readString(dir.resolve("docs/benchmarks.md"), StandardCharsets.UTF_8);
        assertThat(md).startsWith("# Benchmark results\n\nMaintained method text.");
        assertThat(md).contains("## Rolling upgrade of a 3-pod fleet under 3,000 busy clients");
        assertThat(md).contains("load average before 1.20 1.00 0.90, after 3.40 2.00 1.10");
        assertThat(md).contains("Baseline: the same rollout with migration disabled (both timers 0).");
        assertThat(md).contains("| figure | unit | Ferry | baseline | target | met |");
        assertThat(md).contains("| failed commands | commands | 0 | 1,432 | 0 | yes |");
        assertThat(md).contains("| p99 during rollout / steady state | ratio | 1.60 |  | <= 2 | yes |");
        assertThat(md).contains("| migrations per second | 1/s | 2,798 | 5,936 | >= 10000 | **NO** |");
        assertThat(md).contains("| memory per session | KiB | 15.90 |  |  |  |");
        assertThat(md).contains("![Sessions per pod during the rollout](bench/rollout-sessions-per-pod.png)");
        assertThat(md).contains("![Client-visible pause](bench/rollout-pause-histogram.png)");
        assertThat(md).contains("- free text lines: what ran, anything odd, load on the machine");
        for (String id : new String[] {"rollout-sessions-per-pod", "rollout-pause-histogram"}) {
            Path png = dir.resolve("docs/bench/" + id + ".png");
            assertThat(png).isRegularFile();
            byte[] head = new byte[8];
            try (InputStream in = Files.newInputStream(png)) {
                assertThat(in.read(head)).isEqualTo(8);
            }
            assertThat(head).isEqualTo(PNG_MAGIC);
        }
    }

    @Test
    void aWrongFieldFailsNamingTheFileAndTheField() throws Exception {
        Path results = results();
        Path bad = results.resolve("broken.json");
        Files.writeString(
                bad,
                Files.readString(results.resolve("rollout.json")).replace("\"ferry\": 1.6", "\"ferry\": \"fast\""));
        StringWriter err = new StringWriter();

        assertThat(report(results, err)).isNotZero();

        assertThat(err.toString())
                .contains(bad.toString())
                .contains("field 'figures[1].ferry' must be a number or null");
        assertThat(dir.resolve("docs/benchmarks.md")).doesNotExist();
    }

    @Test
    void missingAndMistypedFieldsAreNamed() throws Exception {
        Path f = Path.of("bench/results/x.json");
        String ok = new String(
                getClass().getResourceAsStream("/report/fixture.json").readAllBytes(), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ResultFiles.parse(f, ok.replace("\"cpus\": 2,", "")))
                .isInstanceOf(ResultFormatException.class)
                .hasMessage("bench/results/x.json: field 'machine.cpus' is missing");
        assertThatThrownBy(() -> ResultFiles.parse(f, ok.replace("\"kind\": \"line\"", "\"kind\": \"pie\"")))
                .hasMessageContaining("field 'charts[0].kind' must be 'line' or 'histogram', was 'pie'");
        assertThatThrownBy(() -> ResultFiles.parse(f, ok.replace("\"y\": [1000, 990, 0]", "\"y\": [1000]")))
                .hasMessageContaining("field 'charts[0].series[0].y' has 1 values but x has 3");
        assertThatThrownBy(() -> ResultFiles.parse(f, ok.replace("[1.2, 1.0, 0.9]", "[1.2]")))
                .hasMessageContaining("field 'machine.loadBefore' must hold 3 load averages");
        assertThatThrownBy(() ->
                        ResultFiles.parse(f, ok.replace("\"id\": \"rollout-sessions-per-pod\"", "\"id\": \"../x\"")))
                .hasMessageContaining("field 'charts[0].id' must be letters");
        assertThatThrownBy(() -> ResultFiles.parse(f, "{\"scenario\": "))
                .hasMessageStartingWith("bench/results/x.json: is not valid JSON");
    }

    @Test
    void headlineScenariosComeFirstWhateverTheirFileNames() throws Exception {
        Path results = results();
        String fixture = Files.readString(results.resolve("rollout.json"));
        Files.writeString(
                results.resolve("a-extra.json"),
                fixture.replace("\"scenario\": \"rollout\"", "\"scenario\": \"a-extra\""));
        Files.writeString(
                results.resolve("z-idle.json"),
                fixture.replace("\"scenario\": \"rollout\"", "\"scenario\": \"idle-drain\""));
        Files.writeString(
                results.resolve("autoscale.json"),
                fixture.replace("\"scenario\": \"rollout\"", "\"scenario\": \"autoscale\""));
        Files.writeString(
                results.resolve("operator-cost.json"),
                fixture.replace("\"scenario\": \"rollout\"", "\"scenario\": \"operator-cost\""));

        assertThat(ResultFiles.readAll(results))
                .extracting(f -> f.result().scenario())
                .containsExactly("idle-drain", "rollout", "autoscale", "operator-cost", "a-extra");
    }

    @Test
    void whatIsWrittenReadsBackTheSame() throws Exception {
        BenchResult r = ResultFiles.read(results().resolve("rollout.json"));
        Path again = ResultFiles.write(dir.resolve("again"), r);
        BenchResult back = ResultFiles.read(again);
        assertThat(back.figures()).isEqualTo(r.figures());
        assertThat(back.notes()).isEqualTo(r.notes());
        assertThat(back.charts()).hasSize(2);
        assertThat(back.charts().get(1).series().get(1).y()).containsExactly(10, 500, 400, 90);
        assertThat(back.machine().loadAfter()).containsExactly(3.4, 2.0, 1.1);
    }
}
