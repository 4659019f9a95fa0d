package dev.ferry.kubectl;

import dev.ferry.admin.api.MigrateRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The arguments of {@code kubectl ferry}, parsed without a library: a command, its operands, and flags that may
 * stand anywhere ({@code --flag value}, {@code --flag=value}; {@code --} ends the flags). Whatever is wrong is a
 * {@link UsageException} whose message says what to fix; nothing else is ever thrown.
 */
public final class CommandLine {

    /** How results are printed. */
    public enum Output {
        TABLE,
        JSON
    }

    /** The flags every command takes. */
    public record Options(String namespace, String kubeconfig, String context, Output output, boolean verbose) {
        public static final Options DEFAULT = new Options(null, null, null, Output.TABLE, false);
    }

    /** One command with its operands. */
    public sealed interface Command {}

    /** {@code sessions FLEET}: sessions per pod, live from each pod's admin API. */
    public record Sessions(String fleet) implements Command {}

    /** {@code drains [FLEET]}: drains under way, in one fleet or in the whole namespace. */
    public record Drains(String fleet) implements Command {}

    /** {@code drain POD [--wait] [--timeout D]}: an Eviction of the pod, and with --wait its drain followed. */
    public record Drain(String pod, boolean await, Duration timeout) implements Command {}

    /** {@code move POD N [--to POD]...}: ask POD to migrate N sessions to the given pods (none: the fleet's others). */
    public record Move(String pod, int count, List<String> to) implements Command {
        public Move {
            to = List.copyOf(to);
        }
    }

    /** {@code help [COMMAND]} or {@code -h}. */
    public record Help(String topic) implements Command {}

    /** What was asked: the flags and the command. */
    public record Invocation(Options options, Command command) {}

    /** Bad arguments: the message says what is wrong and how to put it right. */
    public static final class UsageException extends Exception {
        private final String command;

        UsageException(String command, String message) {
            super(message);
            this.command = command;
        }

        /** The command whose usage to show, or null for the overview. */
        public String command() {
            return command;
        }
    }

    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofMinutes(10);
    public static final int MAX_MOVE = MigrateRequest.MAX_COUNT;

    static final List<String> COMMANDS = List.of("sessions", "drains", "drain", "move", "help");

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    private CommandLine() {}

    /** Parses {@code args} (what follows {@code kubectl ferry}). */
    public static Invocation parse(List<String> args) throws UsageException {
        Objects.requireNonNull(args, "args");
        String namespace = null, kubeconfig = null, context = null;
        Output output = Output.TABLE;
        boolean verbose = false, help = false, await = false;
        Duration timeout = null;
        List<String> to = new ArrayList<>();
        List<String> operands = new ArrayList<>();
        // The command comes first among the operands; flags it does not take are refused once it is known.
        List<String> commandFlags = new ArrayList<>();
        boolean flagsEnded = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = Objects.requireNonNull(args.get(i), "argument");
            if (flagsEnded || arg.equals("-") || !arg.startsWith("-")) {
                operands.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                flagsEnded = true;
                continue;
            }
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 2) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else if (!arg.startsWith("--") && arg.length() > 2 && eq == 2) {
                name = arg.substring(0, 2);
                value = arg.substring(3);
            }
            String command = operands.isEmpty() ? null : operands.get(0);
            switch (name) {
                case "-h", "--help" -> {
                    noValue(command, name, value);
                    help = true;
                }
                case "-v", "--verbose" -> {
                    noValue(command, name, value);
                    verbose = true;
                }
                case "--wait" -> {
                    noValue(command, name, value);
                    await = true;
                    commandFlags.add(name);
                }
                case "-n", "--namespace", "--kubeconfig", "--context", "-o", "--output", "--timeout", "--to" -> {
                    if (value == null) {
                        if (i + 1 >= args.size()) {
                            throw new UsageException(command, "flag " + name + " needs a value: " + example(name));
                        }
                        value = args.get(++i);
                    }
                    if (value == null || value.isBlank()) {
                        throw new UsageException(command, "flag " + name + " needs a value: " + example(name));
                    }
                    switch (name) {
                        case "-n", "--namespace" -> namespace = label(command, "namespace", value);
                        case "--kubeconfig" -> kubeconfig = value;
                        case "--context" -> context = value;
                        case "-o", "--output" -> output = output(command, value);
                        case "--timeout" -> {
                            timeout = duration(command, value);
                            commandFlags.add(name);
                        }
                        default -> {
                            for (String pod : value.split(",", -1)) to.add(name(command, "--to", pod.strip()));
                            commandFlags.add(name);
                        }
                    }
                }
                default ->
                    throw new UsageException(
                            command,
                            "unknown flag " + shown(name)
                                    + (command == null ? "" : " for 'kubectl ferry " + command + "'")
                                    + "; see 'kubectl ferry " + (command == null ? "" : command + " ") + "--help'");
            }
        }
        Options options = new Options(namespace, kubeconfig, context, output, verbose);
        if (operands.isEmpty()) {
            if (help) return new Invocation(options, new Help(null));
            throw new UsageException(null, "no command given: use one of " + String.join(", ", COMMANDS));
        }
        String command = operands.get(0);
        if (!COMMANDS.contains(command)) {
            throw new UsageException(
                    null, "unknown command " + shown(command) + ": use one of " + String.join(", ", COMMANDS));
        }
        List<String> rest = operands.subList(1, operands.size());
        if (help) return new Invocation(options, new Help(command));
        for (String flag : commandFlags) {
            boolean allowed = switch (flag) {
                case "--wait", "--timeout" -> command.equals("drain");
                case "--to" -> command.equals("move");
                default -> true;
            };
            if (!allowed) {
                throw new UsageException(
                        command,
                        "flag " + flag + " does not apply to 'kubectl ferry " + command + "'"
                                + (flag.equals("--to")
                                        ? "; it is for 'kubectl ferry move'"
                                        : "; it is for 'kubectl ferry drain'"));
            }
        }
        Command parsed = switch (command) {
            case "sessions" -> new Sessions(name(command, "FLEET", exactlyOne(command, rest, "FLEET")));
            case "drains" -> {
                if (rest.size() > 1) throw tooMany(command, rest, 1);
                yield new Drains(rest.isEmpty() ? null : name(command, "FLEET", rest.get(0)));
            }
            case "drain" -> {
                if (timeout != null && !await) {
                    throw new UsageException(
                            command, "--timeout needs --wait: it bounds how long --wait follows the drain");
                }
                yield new Drain(
                        name(command, "POD", exactlyOne(command, rest, "POD")),
                        await,
                        timeout == null ? DEFAULT_DRAIN_TIMEOUT : timeout);
            }
            case "move" -> {
                if (rest.size() < 2) {
                    throw new UsageException(
                            command,
                            "'kubectl ferry move' needs a POD and a number of sessions N, got "
                                    + (rest.isEmpty() ? "neither" : "only " + shown(rest.get(0))));
                }
                if (rest.size() > 2) throw tooMany(command, rest, 2);
                String pod = name(command, "POD", rest.get(0));
                int count = count(command, rest.get(1));
                if (to.contains(pod)) {
                    throw new UsageException(
                            command, "--to " + pod + " is the pod the sessions leave: name other pods");
                }
                yield new Move(pod, count, to.stream().distinct().toList());
            }
            default -> {
                if (rest.size() > 1) throw tooMany(command, rest, 1);
                String topic = rest.isEmpty() ? null : rest.get(0);
                if (topic != null && (!COMMANDS.contains(topic) || topic.equals("help"))) {
                    throw new UsageException(
                            null,
                            "no help on " + shown(topic) + ": use one of " + String.join(", ", COMMANDS.subList(0, 4)));
                }
                yield new Help(topic);
            }
        };
        return new Invocation(options, parsed);
    }

    /** The usage text of {@code command}, or the overview for null. */
    public static String usage(String command) {
        if (command == null) {
            return """
                    kubectl ferry: Ferry's ServerFleets for the engineer on call. Pods' admin APIs are reached through the
                    API server's pod proxy, with your kubeconfig and the fleet's admin token (Secret <fleet>-admin-token).

                    Commands:
                      sessions FLEET                 sessions per pod, live from each pod (-o json for JSON)
                      drains [FLEET]                 drains under way: reason, start, targets, sessions left
                      drain POD [--wait]             evict POD: the operator drains it, replaces it and deletes it
                      move POD N [--to POD]...       ask POD to migrate N sessions (default: to the fleet's other serving pods)
                      help [COMMAND]                 this text, or one command's

                    Flags (any command):
                      -n, --namespace NS             the namespace (default: the kubeconfig context's)
                          --kubeconfig PATH          the kubeconfig (default: KUBECONFIG, then ~/.kube/config)
                          --context NAME             the kubeconfig context
                      -o, --output table|json        how to print (default table)
                      -v, --verbose                  log each API call to stderr
                      -h, --help                     help
                    """;
        }
        return switch (command) {
            case "sessions" -> """
                    kubectl ferry sessions FLEET [-n NS] [-o table|json]

                    One row per pod of the ServerFleet FLEET, read live from the pod's admin API (GET /v1/status):
                    its revision, whether it is serving, its drain (the operator's drain record, else the server's own),
                    sessions, and migrations in flight (sessions asked to move that have not left yet).
                    """;
            case "drains" -> """
                    kubectl ferry drains [FLEET] [-n NS] [-o table|json]

                    The drains under way in FLEET (or in every fleet of the namespace): each pod's drain record (the
                    annotation ferry.dev/drain: state, reason, when requested and started, targets, sessions at start)
                    and the sessions it still holds, read live from its admin API.
                    """;
            case "drain" -> """
                    kubectl ferry drain POD [--wait [--timeout 10m]] [-n NS]

                    Evicts POD through the Eviction API, as kubectl drain does. For a serving fleet pod the operator's
                    webhook refuses the eviction (429) and starts the drain: a replacement pod first, then the sessions
                    migrate to the fleet's other pods, then the operator deletes POD. Prints the API server's answer;
                    --wait follows the drain (sessions left, every few seconds) until POD is gone, at most --timeout
                    (units ms, s, m, h: 90s, 5m, 1h30m).
                    """;
            case "move" -> """
                    kubectl ferry move POD N [--to POD]... [-n NS]

                    Asks POD (POST /v1/migrate) to migrate N of its sessions that are not migrating already to the
                    pods named by --to (repeat it, or separate names by commas), or by default to the fleet's other
                    serving pods. Prints how many sessions POD asked to move.
                    """;
            default -> usage(null);
        };
    }

    private static void noValue(String command, String flag, String value) throws UsageException {
        if (value != null)
            throw new UsageException(command, "flag " + flag + " takes no value; leave out '=" + shown(value) + "'");
    }

    private static String example(String flag) {
        return switch (flag) {
            case "-n", "--namespace" -> flag + " my-namespace";
            case "--kubeconfig" -> flag + " ~/.kube/config";
            case "--context" -> flag + " my-context";
            case "-o", "--output" -> flag + " json (or table)";
            case "--timeout" -> flag + " 5m";
            default -> flag + " web-1";
        };
    }

    private static String exactlyOne(String command, List<String> rest, String what) throws UsageException {
        if (rest.isEmpty()) {
            throw new UsageException(
                    command,
                    "'kubectl ferry " + command + "' needs a " + what + ": kubectl ferry " + command + " " + what);
        }
        if (rest.size() > 1) throw tooMany(command, rest, 1);
        return rest.get(0);
    }

    private static UsageException tooMany(String command, List<String> rest, int allowed) {
        return new UsageException(
                command,
                "'kubectl ferry " + command + "' takes " + (allowed == 1 ? "one name" : allowed + " operands")
                        + ", got " + rest.size() + ": unexpected " + shown(rest.get(allowed)));
    }

    private static String name(String command, String what, String value) throws UsageException {
        if (value.isEmpty() || value.length() > 253 || !NAME.matcher(value).matches()) {
            throw new UsageException(
                    command,
                    what + " " + shown(value) + " is not a Kubernetes name: lower-case letters, digits, '-' and '.', "
                            + "starting and ending with a letter or digit, at most 253 characters");
        }
        return value;
    }

    private static String label(String command, String what, String value) throws UsageException {
        if (value.length() > 63 || !LABEL.matcher(value).matches()) {
            throw new UsageException(
                    command,
                    what + " " + shown(value) + " is not a valid namespace name: lower-case letters, digits and '-', "
                            + "starting and ending with a letter or digit, at most 63 characters");
        }
        return value;
    }

    private static Output output(String command, String value) throws UsageException {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "table" -> Output.TABLE;
            case "json" -> Output.JSON;
            default ->
                throw new UsageException(
                        command, "output " + shown(value) + " is not supported: use -o table or -o json");
        };
    }

    private static int count(String command, String value) throws UsageException {
        if (!value.matches("\\d{1,7}")) {
            throw new UsageException(
                    command, "N must be a whole number of sessions from 1 to " + MAX_MOVE + ", got " + shown(value));
        }
        int n = Integer.parseInt(value);
        if (n < 1 || n > MAX_MOVE) {
            throw new UsageException(
                    command, "N must be a whole number of sessions from 1 to " + MAX_MOVE + ", got " + shown(value));
        }
        return n;
    }

    /** A duration such as 90s, 5m, 1h30m or 500ms; at least 1 s, at most 24 h. */
    static Duration duration(String command, String value) throws UsageException {
        Matcher m = DURATION_PART.matcher(value);
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < value.length() && m.find(at) && m.start() == at) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(
                    switch (m.group(2)) {
                        case "ms" -> Duration.ofMillis(n);
                        case "s" -> Duration.ofSeconds(n);
                        case "m" -> Duration.ofMinutes(n);
                        default -> Duration.ofHours(n);
                    });
            at = m.end();
        }
        if (at != value.length() || at == 0) {
            throw new UsageException(
                    command, "timeout " + shown(value) + " is not a duration: write it like 90s, 5m or 1h30m");
        }
        if (total.compareTo(Duration.ofSeconds(1)) < 0 || total.compareTo(Duration.ofHours(24)) > 0) {
            throw new UsageException(command, "timeout " + shown(value) + " must be between 1s and 24h");
        }
        return total;
    }

    /** Caller input in a message: quoted, printable, short. */
    static String shown(String s) {
        StringBuilder b = new StringBuilder("'");
        s.codePoints().limit(60).forEach(c -> {
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\u%04x", c));
            else b.appendCodePoint(c);
        });
        if (s.codePointCount(0, s.length()) > 60) b.append("...");
        return b.append('\'').toString();
    }
}
