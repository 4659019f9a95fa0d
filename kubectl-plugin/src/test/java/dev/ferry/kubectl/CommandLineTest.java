package dev.ferry.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.kubectl.CommandLine.Drain;
import dev.ferry.kubectl.CommandLine.Drains;
import dev.ferry.kubectl.CommandLine.Help;
import dev.ferry.kubectl.CommandLine.Invocation;
import dev.ferry.kubectl.CommandLine.Move;
import dev.ferry.kubectl.CommandLine.Output;
import dev.ferry.kubectl.CommandLine.Sessions;
import dev.ferry.kubectl.CommandLine.UsageException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandLineTest {

    private static Invocation parse(String... args) throws UsageException {
        return CommandLine.parse(List.of(args));
    }

    @Test
    void eachCommandWithItsOperandsAndFlags() throws UsageException {
        assertThat(parse("sessions", "web").command()).isEqualTo(new Sessions("web"));
        assertThat(parse("drains").command()).isEqualTo(new Drains(null));
        assertThat(parse("drains", "web").command()).isEqualTo(new Drains("web"));
        assertThat(parse("drain", "web-abc12").command())
                .isEqualTo(new Drain("web-abc12", false, CommandLine.DEFAULT_DRAIN_TIMEOUT));
        assertThat(parse("drain", "--wait", "web-abc12", "--timeout=90s").command())
                .isEqualTo(new Drain("web-abc12", true, Duration.ofSeconds(90)));
        assertThat(parse("move", "web-a", "10", "--to", "web-b", "--to=web-c,web-d")
                        .command())
                .isEqualTo(new Move("web-a", 10, List.of("web-b", "web-c", "web-d")));
        assertThat(parse("move", "web-a", "3").command()).isEqualTo(new Move("web-a", 3, List.of()));
    }

    @Test
    void globalFlagsStandAnywhere() throws UsageException {
        Invocation i = parse("-n", "apps", "sessions", "-o", "json", "web", "--kubeconfig=/k", "--context", "c", "-v");

        assertThat(i.command()).isEqualTo(new Sessions("web"));
        assertThat(i.options()).isEqualTo(new CommandLine.Options("apps", "/k", "c", Output.JSON, true));
        assertThat(parse("sessions", "web", "-n=apps").options().namespace()).isEqualTo("apps");
        assertThat(parse("sessions", "--", "web").command()).isEqualTo(new Sessions("web"));
    }

    @Test
    void helpForTheOverviewAndEachCommand() throws UsageException {
        assertThat(parse("-h").command()).isEqualTo(new Help(null));
        assertThat(parse("help").command()).isEqualTo(new Help(null));
        assertThat(parse("help", "move").command()).isEqualTo(new Help("move"));
        assertThat(parse("drain", "--help").command()).isEqualTo(new Help("drain"));
        for (String c : List.of("sessions", "drains", "drain", "move")) {
            assertThat(CommandLine.usage(c)).startsWith("kubectl ferry " + c);
        }
        assertThat(CommandLine.usage(null)).contains("sessions FLEET", "drains [FLEET]", "drain POD", "move POD N");
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "''|no command given: use one of sessions, drains, drain, move, help",
                "sesions web|unknown command 'sesions'",
                "sessions|'kubectl ferry sessions' needs a FLEET",
                "sessions a b|takes one name, got 2: unexpected 'b'",
                "sessions Web|FLEET 'Web' is not a Kubernetes name",
                "drains a b|unexpected 'b'",
                "drain|needs a POD",
                "drain p --timeout 5m|--timeout needs --wait",
                "drain p --wait --timeout 5x|timeout '5x' is not a duration: write it like 90s, 5m or 1h30m",
                "drain p --wait --timeout 0s|must be between 1s and 24h",
                "drain p --wait=yes|flag --wait takes no value",
                "move p|needs a POD and a number of sessions N, got only 'p'",
                "move p 0|N must be a whole number of sessions from 1 to 1000000, got '0'",
                "move p -3|unknown flag '-3'",
                "move p ten|got 'ten'",
                "move p 99999999|got '99999999'",
                "move p 5 --to p|--to p is the pod the sessions leave",
                "move p 5 --to|flag --to needs a value",
                "move p 5 --to=q,,r|--to '' is not a Kubernetes name",
                "sessions web --to q|flag --to does not apply to 'kubectl ferry sessions'; it is for 'kubectl ferry move'",
                "sessions web --wait|flag --wait does not apply",
                "sessions web -o yaml|output 'yaml' is not supported: use -o table or -o json",
                "sessions web -n|flag -n needs a value",
                "sessions web -n Bad_NS|namespace 'Bad_NS' is not a valid namespace name",
                "sessions web --all|unknown flag '--all' for 'kubectl ferry sessions'",
                "help nothing|no help on 'nothing'",
            })
    void badArgumentsSayWhatToFix(String line, String message) {
        List<String> args = line.isEmpty() ? List.of() : List.of(line.split(" "));

        assertThatThrownBy(() -> CommandLine.parse(args))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining(message);
    }

    @Test
    void durations() throws UsageException {
        assertThat(CommandLine.duration(null, "1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(CommandLine.duration(null, "1500ms")).isEqualTo(Duration.ofMillis(1500));
        assertThat(CommandLine.duration(null, "24h")).isEqualTo(Duration.ofHours(24));
        assertThatThrownBy(() -> CommandLine.duration(null, "25h")).isInstanceOf(UsageException.class);
        assertThatThrownBy(() -> CommandLine.duration(null, "5")).isInstanceOf(UsageException.class);
        assertThatThrownBy(() -> CommandLine.duration(null, "m5")).isInstanceOf(UsageException.class);
    }

    @Test
    void badArgumentsExitWith2AndTheMessageOnStderr() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();

        int code = KubectlFerry.run(
                List.of("move", "web-a", "many"),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("error: N must be a whole number of sessions from 1 to 1000000, got 'many'")
                .contains("See 'kubectl ferry move --help'.");
    }

    @Test
    void helpGoesToStdoutAndExits0() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();

        int code = KubectlFerry.run(
                List.of("--help"),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("kubectl ferry:");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
