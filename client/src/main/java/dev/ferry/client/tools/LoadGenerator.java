package dev.ferry.client.tools;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Command-line front of {@link LoadRun}. Exit code 0 when the run was clean, 1 otherwise. */
@Command(
        name = "load",
        mixinStandardHelpOptions = true,
        description = "Runs N sessions in a closed loop against a Ferry server and checks what survives migrations.")
public final class LoadGenerator implements Callable<Integer> {
    @Option(
            names = {"-a", "--address"},
            required = true,
            description = "service address, host:port")
    String address;

    @Option(
            names = {"-n", "--sessions"},
            defaultValue = "10",
            description = "concurrent sessions (default ${DEFAULT-VALUE})")
    int sessions;

    @Option(
            names = {"-d", "--duration"},
            defaultValue = "10s",
            converter = DurationConverter.class,
            description = "how long to run: 500ms, 30s, 5m (default ${DEFAULT-VALUE})")
    Duration duration;

    @Option(names = "--no-read-ahead", description = "sessions read only while a command is outstanding")
    boolean noReadAhead;

    @Option(
            names = "--mix",
            description = "weights, e.g. ping=2,incr=4,stream=1 (ops: ping echo set get incr stream sleep txn whoami)")
    String mix;

    @Option(names = "--stream-rows", defaultValue = "20", description = "rows per STREAM (default ${DEFAULT-VALUE})")
    int streamRows;

    @Option(
            names = "--stream-delay-ms",
            defaultValue = "0",
            description = "delay between STREAM rows (default ${DEFAULT-VALUE})")
    int streamDelayMs;

    @Option(names = "--sleep-ms", defaultValue = "10", description = "argument of SLEEP (default ${DEFAULT-VALUE})")
    int sleepMs;

    @Option(
            names = "--think-ms",
            defaultValue = "0",
            description = "pause between a session's commands (default ${DEFAULT-VALUE})")
    long thinkMs;

    @Option(
            names = "--event-loop-threads",
            defaultValue = "1",
            description = "client event loop threads (default ${DEFAULT-VALUE})")
    int eventLoopThreads;

    @Option(names = "--json", description = "print the result as one JSON object")
    boolean json;

    @Override
    public Integer call() {
        LoadRun.Options o = LoadRun.Options.defaults(address)
                .withSessions(sessions)
                .withDuration(duration)
                .withReadAhead(!noReadAhead)
                .withStream(streamRows, streamDelayMs)
                .withSleepMillis(sleepMs)
                .withThinkTime(Duration.ofMillis(thinkMs))
                .withEventLoopThreads(eventLoopThreads);
        if (mix != null) o = o.withMix(LoadRun.Options.parseMix(mix));
        LoadRun.Result r = new LoadRun(o).run();
        System.out.println(json ? r.toJson() : r.toText());
        return r.clean() ? 0 : 1;
    }

    public static void main(String[] args) {
        FerryTools.quietLogging();
        System.exit(new CommandLine(new LoadGenerator()).execute(args));
    }

    /** Parses 500ms, 30s, 5m, 1h, or an ISO-8601 duration. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String v) {
            String s = v.trim().toLowerCase(java.util.Locale.ROOT);
            if (s.startsWith("p")) return Duration.parse(v);
            if (s.endsWith("ms")) return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            long n = Long.parseLong(s.substring(0, s.length() - 1));
            return switch (s.charAt(s.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default ->
                    throw new CommandLine.TypeConversionException("not a duration: " + v + " (use 500ms, 30s, 5m)");
            };
        }
    }
}
