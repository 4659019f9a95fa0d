package dev.ferry.conformance;

/** A step's expectation did not hold, or the scenario could not be carried out; the message says which and why. */
public final class ScenarioFailure extends RuntimeException {
    public ScenarioFailure(String message) {
        super(message);
    }

    public ScenarioFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
