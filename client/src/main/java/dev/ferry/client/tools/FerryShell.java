package dev.ferry.client.tools;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerryException;
import dev.ferry.client.FerrySession;
import dev.ferry.client.MigrationEvent;
import dev.ferry.client.Result;
import dev.ferry.client.ResultStream;
import dev.ferry.client.Row;
import dev.ferry.client.ServerMessage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * An interactive Ferry shell: each line is sent as one command, rows and messages are printed as
 * they come. Ctrl-C during a command sends ATTENTION; Ctrl-C at the prompt clears the line; Ctrl-D
 * or {@code \q} quits. A line is printed whenever the session migrates.
 */
@Command(name = "shell", mixinStandardHelpOptions = true, description = "Interactive Ferry session.")
public final class FerryShell implements Callable<Integer> {
    @Parameters(index = "0", description = "server or service address, host:port")
    String address;

    @Option(names = "--no-read-ahead", description = "read only while a command is outstanding")
    boolean noReadAhead;

    @Option(names = "--history", description = "history file (default ~/.ferry_history)")
    Path history;

    @Override
    public Integer call() throws IOException {
        Path historyFile = history != null ? history : Path.of(System.getProperty("user.home"), ".ferry_history");
        ClientOptions options = ClientOptions.builder()
                .serviceAddress(address)
                .readAhead(!noReadAhead)
                .clientName("ferry-shell")
                .build();
        try (Terminal terminal = TerminalBuilder.builder().system(true).build();
                FerryClient client = FerryClient.create(options)) {
            LineReader reader = LineReaderBuilder.builder()
                    .terminal(terminal)
                    .variable(LineReader.HISTORY_FILE, historyFile)
                    .build();
            PrintWriter out = terminal.writer();
            FerrySession session;
            try {
                session = client.connect();
            } catch (FerryException e) {
                out.println("cannot connect: " + e.getMessage());
                out.flush();
                return 2;
            }
            out.printf(
                    "connected to %s (%s), session %s%n",
                    session.serverName(), session.serverAddress(), session.sessionId());
            out.flush();
            // The listener runs on the event loop; printing may wait for the terminal, so it goes elsewhere.
            session.onMigration(e -> Thread.ofVirtual().start(() -> reader.printAbove(describe(e))));
            try (session) {
                repl(terminal, reader, session, out);
            }
        }
        return 0;
    }

    static String describe(MigrationEvent e) {
        return String.format(
                Locale.ROOT,
                "-- migrated %s (%s) -> %s (%s), pause %.2f ms",
                e.fromServer(),
                e.fromAddress(),
                e.toServer(),
                e.toAddress(),
                e.pause().toNanos() / 1e6);
    }

    private static void repl(Terminal terminal, LineReader reader, FerrySession session, PrintWriter out) {
        while (true) {
            String line;
            try {
                line = reader.readLine("ferry " + session.serverName() + "> ");
            } catch (UserInterruptException e) {
                continue;
            } catch (EndOfFileException e) {
                return;
            }
            String cmd = line.strip();
            if (cmd.isEmpty()) continue;
            if (cmd.equals("\\q") || cmd.equalsIgnoreCase("quit") || cmd.equalsIgnoreCase("exit")) return;
            if (!runCommand(terminal, session, cmd, out)) return;
        }
    }

    /** Runs one command; false when the session is gone. */
    private static boolean runCommand(Terminal terminal, FerrySession session, String cmd, PrintWriter out) {
        long t0 = System.nanoTime();
        ResultStream rs;
        try {
            rs = session.submit(cmd);
        } catch (FerryException | IllegalStateException e) {
            out.println("error: " + e.getMessage());
            out.flush();
            return session.isOpen();
        }
        Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, s -> rs.cancel());
        try {
            while (rs.hasNext()) {
                Row row = rs.next();
                out.println(row.text());
                out.flush();
            }
            Result r = rs.awaitOutcome();
            for (ServerMessage m : r.messages())
                out.println("[" + m.severity().name().toLowerCase(Locale.ROOT) + "] " + m.text());
            double ms = (System.nanoTime() - t0) / 1e6;
            String status = r.cancelled() ? "cancelled" : r.error() ? "failed" : "ok";
            out.printf(
                    Locale.ROOT, "(%s, %d row%s, %.1f ms)%n", status, r.rowCount(), r.rowCount() == 1 ? "" : "s", ms);
        } catch (FerryException e) {
            out.println("error: " + e.getMessage());
        } finally {
            terminal.handle(Terminal.Signal.INT, previous);
            out.flush();
        }
        return session.isOpen();
    }

    public static void main(String[] args) {
        FerryTools.quietLogging();
        System.exit(new CommandLine(new FerryShell()).execute(args));
    }
}
