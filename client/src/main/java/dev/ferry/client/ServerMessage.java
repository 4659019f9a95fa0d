package dev.ferry.client;

import dev.ferry.protocol.Severity;

/** A MESSAGE the server attached to a request (info, warning or error). */
public record ServerMessage(Severity severity, String text) {}
