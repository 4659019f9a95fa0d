package dev.ferry.client.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Main class of the client's command-line jar: {@code shell} and {@code load}. */
@Command(
        name = "ferry",
        mixinStandardHelpOptions = true,
        subcommands = {FerryShell.class, LoadGenerator.class},
        description = "Ferry client tools.")
public final class FerryTools implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        quietLogging();
        System.exit(new CommandLine(new FerryTools()).execute(args));
    }

    /** Tools print their own output; the library's logs show only warnings unless asked otherwise. */
    static void quietLogging() {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
    }
}
