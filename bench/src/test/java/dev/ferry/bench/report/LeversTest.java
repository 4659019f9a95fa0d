package dev.ferry.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeversTest {
    private static final String BEFORE = "1111111111aaaaaaaaaa1111111111aaaaaaaaaa";
    private static final String AFTER = "2222222222bbbbbbbbbb2222222222bbbbbbbbbb";

    @TempDir
    Path dir;

    private static BenchResult run(double ferry, double baseline, double load) {
        return new BenchResult(
                "idle-drain",
                "Idle drain",
                "2026-12-07T03:00:00Z",
                "scripts/bench-lever.sh",
                new BenchResult.Machine(2, "25", new double[] {load, 0, 0}, new double[] {load, 0, 0}),
                "reconnect",
                List.of(
                        new BenchResult.Figure("sessions moved per second", "sessions/s", ferry, baseline, null, null),
                        new BenchResult.Figure("Ferry / reconnect", "ratio", ferry / baseline, null, ">= 0.9", false)),
                List.of(),
                List.of());
    }

    private Path lever(String name, int repeat, double[] before, double[] after) throws Exception {
        Path d = dir.resolve("levers").resolve(name);
        Files.createDirectories(d);
        LeverFile.write(d.resolve("lever.json"), name, "Does one thing.", BEFORE, AFTER, repeat, "idle-drain", "--x");
        for (int i = 0; i < before.length; i++) {
            Files.copy(
                    ResultFiles.write(dir.resolve("tmp-b" + i), run(before[i], 1000, 1.5)),
                    d.resolve("before-" + (i + 1) + ".json"));
        }
        for (int i = 0; i < after.length; i++) {
            Files.copy(
                    ResultFiles.write(dir.resolve("tmp-a" + i), run(after[i], 1000, 0.5)),
                    d.resolve("after-" + (i + 1) + ".json"));
        }
        return d;
    }

    @Test
    void rendersMediansOfEachSideWithTheBaselines() throws Exception {
        lever("client-epoll", 3, new double[] {500, 700, 600}, new double[] {900, 800, 1000});

        List<Lever> levers = Levers.readAll(dir.resolve("levers"));
        String md = LeverReport.section(levers);

        assertThat(levers).singleElement().satisfies(l -> {
            assertThat(l.scenario()).containsExactly("idle-drain", "--x");
            assertThat(l.before()).hasSize(3);
        });
        assertThat(md)
                .contains("### client-epoll")
                .contains("Does one thing.")
                .contains("Before: `1111111111`; after: `2222222222`; 3 runs of each, alternated")
                .contains("| sessions moved per second | sessions/s | 600 | 900 | 1.50 | 1,000 | 1,000 |")
                .contains("| Ferry / reconnect | ratio | 0.600 | 0.900 | 1.50 |  |  |")
                .contains("before 1.50, after 0.50");
    }

    @Test
    void noLeversNoSection() throws Exception {
        assertThat(Levers.readAll(dir.resolve("levers"))).isEmpty();
        assertThat(LeverReport.section(List.of())).isEmpty();
    }

    @Test
    void aMissingRunIsNamed() throws Exception {
        lever("reset-close", 2, new double[] {500, 600}, new double[] {900});

        assertThatThrownBy(() -> Levers.readAll(dir.resolve("levers")))
                .isInstanceOf(ResultFormatException.class)
                .hasMessageContaining("says 2 runs per side, but after-2.json is missing");
    }

    @Test
    void aNameThatIsNotItsDirectoryIsRefused() throws Exception {
        Path d = lever("one", 1, new double[] {1}, new double[] {2});
        LeverFile.write(d.resolve("lever.json"), "other", "x", BEFORE, AFTER, 1, "idle-drain");

        assertThatThrownBy(() -> Levers.readAll(dir.resolve("levers")))
                .isInstanceOf(ResultFormatException.class)
                .hasMessageContaining("is 'other' but the directory is 'one'");
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(LeverReport.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
        assertThat(LeverReport.median(List.of())).isNull();
    }
}
