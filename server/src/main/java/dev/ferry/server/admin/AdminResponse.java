package dev.ferry.server.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A response ready to be written: status, content type, body, and any extra headers. */
record AdminResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
    static final String JSON = "application/json";
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    AdminResponse {
        headers = Map.copyOf(headers);
    }

    static AdminResponse json(int status, ObjectNode body) {
        return new AdminResponse(status, JSON, Json.bytes(body), Map.of());
    }

    static AdminResponse error(int status, String message) {
        return error(status, message, Map.of());
    }

    static AdminResponse error(int status, String message, Map<String, String> headers) {
        return new AdminResponse(status, JSON, Json.bytes(Json.object().put("error", message)), headers);
    }

    static AdminResponse text(int status, String contentType, String body) {
        return new AdminResponse(status, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    AdminResponse withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new AdminResponse(status, contentType, body, h);
    }
}
