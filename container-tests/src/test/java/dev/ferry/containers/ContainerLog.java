package dev.ferry.containers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import org.testcontainers.containers.output.OutputFrame;

/** A container's output, kept in memory for assertions and appended to target/container-logs/NAME.log. */
final class ContainerLog implements Consumer<OutputFrame> {
    private final StringBuffer text = new StringBuffer();
    private final Path file;

    ContainerLog(String name) {
        Path dir = Path.of(System.getProperty("ferry.container.logs", "target/container-logs"));
        try {
            Files.createDirectories(dir);
            file = dir.resolve(name + ".log");
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void accept(OutputFrame frame) {
        String s = frame.getUtf8String();
        if (s == null || s.isEmpty()) return;
        text.append(s);
        try {
            Files.writeString(file, s, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // The in-memory copy still serves the assertions.
        }
    }

    String text() {
        return text.toString();
    }

    Path file() {
        return file;
    }
}
