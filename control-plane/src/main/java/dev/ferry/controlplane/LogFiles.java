package dev.ferry.controlplane;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
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

  static long size(Path file) {
    try {
      return file != null && Files.isRegularFile(file) ? Files.size(file) : 0L;
    } catch (IOException e) {
      return 0L;
    }
  }
}
