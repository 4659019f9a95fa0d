package dev.ferry.conformance;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One conformance scenario, as read from {@code conformance/scenarios/NAME.json} (format: docs/conformance.md).
 *
 * @param expectedFailure null, or why the scenario is known to fail today (a reported finding); such a scenario
 *     still runs and is counted apart from the others
 */
public record Scenario(
        String name, String spec, String description, Setup setup, List<Step> steps, String expectedFailure) {

    /** What the harness starts before the first step. */
    public record Setup(List<ServerSetup> servers, boolean storeUp) {}

    /**
     * One reference server; timers in whole seconds, as FERRY_IDLE_MIGRATION_TIMER and FERRY_SESSION_IDLE_TIMER take
     * them.
     *
     * @param handshakeTimeoutSeconds FERRY_HANDSHAKE_TIMEOUT, or 0 for the server's default
     * @param maxFrameBytes FERRY_MAX_FRAME_BYTES, or 0 for the server's default
     * @param maxSessions FERRY_MAX_SESSIONS, or 0 for the server's default
     */
    public record ServerSetup(
            int idleMigrationSeconds,
            int sessionIdleSeconds,
            int handshakeTimeoutSeconds,
            int maxFrameBytes,
            int maxSessions) {}

    /**
     * One step: its kind (the "do" field) and the whole JSON object, checked by {@link ScenarioFile} against the
     * kind's fields.
     *
     * @param index 0-based position in the scenario, for messages
     */
    public record Step(int index, String kind, ObjectNode body) {
        public String describe() {
            return "step " + (index + 1) + " (" + kind + ")";
        }
    }
}
