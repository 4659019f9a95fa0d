package dev.ferry.bench.report;

import java.nio.file.Path;

/** A result file that is not in the shared shape; the message names the file and the field to fix. */
public final class ResultFormatException extends RuntimeException {
    public ResultFormatException(Path file, String field, String problem) {
        super(file + ": " + (field.isEmpty() ? "" : "field '" + field + "' ") + problem);
    }

    public ResultFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
