package dev.ferry.controlplane;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/** Small helpers to read the end of process logs. */
final class LogFiles {

    private LogFiles() {}

    /** The last {@code lines} lines of a file, or a note when it cannot be read. */
    static String tail(Path file, int lines) {
        return tail(file, 0, lines);
    }

    /** The last {@code lines} lines of a file, from byte offset {@code from} on. */
    static String tail(Path file, long from, int lines) {
        if (file == null || !Files.isRegularFile(file)) {
            return "(no log at " + file + ")";
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            long start = Math.max(from, length - 4L * 1024 * 1024);
            if (start > length) {
                start = 0; // the file was truncated
            }
            raf.seek(start);
            byte[] bytes = new byte[(int) (length - start)];
            raf.readFully(bytes);
            Deque<String> last = new ArrayDeque<>(lines);
            for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n", -1)) {
                if (last.size() == lines) {
                    last.removeFirst();
                }
                last.addLast(line);
            }
            return String.join("\n", last);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /**
     * The end of a log around a mark: up to {@code before} lines written before byte offset
     * {@code mark}, a marker line, then up to {@code after} lines written since.
     */
    static String around(Path file, long mark, int before, int after, String marker) {
        long length = size(file);
        if (mark <= 0 || mark > length) {
            return tail(file, 0, before + after);
        }
        String earlier;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(0, mark - 1024L * 1024);
            byte[] bytes = new byte[(int) (mark - start)];
            raf.seek(start);
            raf.readFully(bytes);
            String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
            earlier = String.join("\n", Arrays.copyOfRange(lines, Math.max(0, lines.length - before), lines.length));
        } catch (IOException e) {
            earlier = "(cannot read " + file + ": " + e + ")";
        }
        return earlier + "\n" + marker + "\n" + tail(file, mark, after);
    }

    static long size(Path file) {
        try {
            return file != null && Files.isRegularFile(file) ? Files.size(file) : 0L;
        } catch (IOException e) {
            return 0L;
        }
    }
}
