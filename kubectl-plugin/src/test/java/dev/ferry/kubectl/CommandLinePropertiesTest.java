package dev.ferry.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.kubectl.CommandLine.Command;
import dev.ferry.kubectl.CommandLine.Drain;
import dev.ferry.kubectl.CommandLine.Drains;
import dev.ferry.kubectl.CommandLine.Invocation;
import dev.ferry.kubectl.CommandLine.Move;
import dev.ferry.kubectl.CommandLine.Output;
import dev.ferry.kubectl.CommandLine.Sessions;
import dev.ferry.kubectl.CommandLine.UsageException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The parser over arbitrary and generated argument lists. */
class CommandLinePropertiesTest {

    /** Any argument list parses or is refused with a usage message; nothing else is thrown. */
    @Property(tries = 3000)
    void anyArgumentsParseOrGetAUsageMessage(@ForAll("anyArgs") List<String> args) {
        try {
            CommandLine.parse(args);
        } catch (UsageException e) {
            assertThat(e.getMessage()).isNotBlank();
            // Caller input is quoted printable in the message: no raw control characters reach the terminal.
            assertThat(e.getMessage().chars()).noneMatch(c -> c < 0x20 && c != '\n');
        }
    }

    /** Arguments that look almost right (known words, names, numbers, flags) in any order: the same. */
    @Property(tries = 3000)
    void nearMissesParseOrGetAUsageMessage(@ForAll("nearMisses") List<String> args) {
        try {
            Invocation i = CommandLine.parse(args);
            assertThat(i.command()).isNotNull();
        } catch (UsageException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    /** A valid command line, written with its flags in any position and either form, parses back to what it says. */
    @Property(tries = 1000)
    void validCommandLinesRoundTrip(@ForAll("invocations") Invocation expected, @ForAll long seed)
            throws UsageException {
        List<String> args = render(expected, new Random(seed));

        assertThat(CommandLine.parse(args)).as("%s", args).isEqualTo(expected);
    }

    @Provide
    Arbitrary<List<String>> anyArgs() {
        return Arbitraries.strings().ofMaxLength(20).list().ofMaxSize(8);
    }

    @Provide
    Arbitrary<List<String>> nearMisses() {
        Arbitrary<String> words = Arbitraries.oneOf(
                Arbitraries.of(
                        "sessions",
                        "drains",
                        "drain",
                        "move",
                        "help",
                        "-n",
                        "--namespace",
                        "-o",
                        "--output",
                        "json",
                        "table",
                        "--wait",
                        "--timeout",
                        "5m",
                        "0s",
                        "--to",
                        "web-a",
                        "web-b",
                        "-h",
                        "--",
                        "-",
                        "=",
                        "-o=json",
                        "--to=a,b",
                        "--timeout=",
                        "3",
                        "0",
                        "-1",
                        "1000001",
                        "-v",
                        "--context",
                        "--kubeconfig"),
                Arbitraries.strings().withChars("abz-.=,09").ofMinLength(1).ofMaxLength(6),
                Arbitraries.integers().between(-5, 2_000_000).map(String::valueOf));
        return words.list().ofMaxSize(9);
    }

    @Provide
    Arbitrary<Invocation> invocations() {
        Arbitrary<String> names = Arbitraries.strings()
                .withChars("abcxyz0189")
                .ofMinLength(1)
                .ofMaxLength(8)
                .map(s -> "p" + s);
        Arbitrary<Command> commands = Arbitraries.oneOf(
                names.map(Sessions::new),
                names.injectNull(0.3).map(Drains::new),
                Combinators.combine(
                                names,
                                Arbitraries.of(true, false),
                                Arbitraries.integers().between(1, 86_400))
                        .as((n, w, s) ->
                                new Drain(n, w, w ? Duration.ofSeconds(s) : CommandLine.DEFAULT_DRAIN_TIMEOUT)),
                Combinators.combine(
                                names,
                                Arbitraries.integers().between(1, CommandLine.MAX_MOVE),
                                names.list().ofMaxSize(3).uniqueElements())
                        .as((n, c, to) -> new Move("q" + n, c, to)));
        Arbitrary<CommandLine.Options> options = Combinators.combine(
                        names.injectNull(0.5),
                        Arbitraries.of("/tmp/kubeconfig", "k").injectNull(0.5),
                        Arbitraries.of("ctx", "kind-a").injectNull(0.5),
                        Arbitraries.of(Output.class),
                        Arbitraries.of(true, false))
                .as(CommandLine.Options::new);
        return Combinators.combine(options, commands).as(Invocation::new);
    }

    /** The command line of {@code i}: operands in order, each flag at a random place, in a random form. */
    private static List<String> render(Invocation i, Random random) {
        List<String> operands = new ArrayList<>();
        List<List<String>> flags = new ArrayList<>();
        switch (i.command()) {
            case Sessions s -> operands.addAll(List.of("sessions", s.fleet()));
            case Drains d -> {
                operands.add("drains");
                if (d.fleet() != null) operands.add(d.fleet());
            }
            case Drain d -> {
                operands.addAll(List.of("drain", d.pod()));
                if (d.await()) {
                    flags.add(List.of("--wait"));
                    flags.add(flag(random, "--timeout", d.timeout().toSeconds() + "s"));
                }
            }
            case Move m -> {
                operands.addAll(List.of("move", m.pod(), String.valueOf(m.count())));
                m.to().forEach(t -> flags.add(flag(random, "--to", t)));
            }
            default -> throw new IllegalArgumentException();
        }
        CommandLine.Options o = i.options();
        if (o.namespace() != null) flags.add(flag(random, random.nextBoolean() ? "-n" : "--namespace", o.namespace()));
        if (o.kubeconfig() != null) flags.add(flag(random, "--kubeconfig", o.kubeconfig()));
        if (o.context() != null) flags.add(flag(random, "--context", o.context()));
        if (o.output() == Output.JSON || random.nextBoolean()) {
            flags.add(flag(
                    random,
                    random.nextBoolean() ? "-o" : "--output",
                    o.output().name().toLowerCase()));
        }
        if (o.verbose()) flags.add(List.of(random.nextBoolean() ? "-v" : "--verbose"));
        // Units: the operands in order, each flag (with its value) inserted anywhere after the command word.
        List<List<String>> units = new ArrayList<>();
        operands.forEach(op -> units.add(List.of(op)));
        for (List<String> f : flags) units.add(1 + random.nextInt(units.size()), f);
        // --to values keep their order relative to each other.
        if (i.command() instanceof Move m) {
            int k = 0;
            for (int j = 0; j < units.size(); j++) {
                if (units.get(j).get(0).startsWith("--to")) units.set(j, flag(random, "--to", m.to().get(k++)));
            }
        }
        List<String> args = new ArrayList<>();
        units.forEach(args::addAll);
        return args;
    }

    private static List<String> flag(Random random, String name, String value) {
        if (name.startsWith("--") && random.nextBoolean()) return List.of(name + "=" + value);
        return List.of(name, value);
    }
}
