package dev.ferry.server.admin;

import dev.ferry.admin.api.AdminJson;
import dev.ferry.admin.api.AdminPaths;
import dev.ferry.admin.api.ErrorResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A response ready to be written: status, content type, body, and any extra headers. */
record AdminResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
    static final String JSON = AdminPaths.JSON;
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    AdminResponse {
        headers = Map.copyOf(headers);
    }

    /** @param body one of the admin API contract's records */
    static AdminResponse json(int status, Record body) {
        return new AdminResponse(status, JSON, AdminJson.toBytes(body), Map.of());
    }

    static AdminResponse error(int status, String message) {
        return error(status, message, Map.of());
    }

    static AdminResponse error(int status, String message, Map<String, String> headers) {
        return new AdminResponse(status, JSON, AdminJson.toBytes(new ErrorResponse(message)), headers);
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
