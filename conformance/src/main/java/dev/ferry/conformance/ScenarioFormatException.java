package dev.ferry.conformance;

/** A scenario file that is not valid JSON or does not follow docs/conformance.md; the message names the file and the field. */
public final class ScenarioFormatException extends RuntimeException {
    public ScenarioFormatException(String message) {
        super(message);
    }

    public ScenarioFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
