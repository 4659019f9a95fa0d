package dev.ferry.conformance;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Calls a reference server's admin API (HTTP on loopback, bearer token). */
final class AdminHttp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    /** Which Authorization header to send: the fleet's token, none, or a wrong one. */
    enum Token {
        VALID,
        NONE,
        WRONG
    }

    record Response(int status, String text, JsonNode json) {}

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    Response call(String adminAddress, String token, Token mode, String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + adminAddress + path))
                .timeout(TIMEOUT);
        switch (mode) {
            case VALID -> b.header("Authorization", "Bearer " + token);
            case WRONG -> b.header("Authorization", "Bearer not-" + token);
            case NONE -> {
                // no header at all
            }
        }
        if (body == null) b.method(method, HttpRequest.BodyPublishers.noBody());
        else b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json;
            try {
                json = r.body().isBlank() ? MissingNode.getInstance() : JSON.readTree(r.body());
            } catch (JsonProcessingException e) {
                json = MissingNode.getInstance();
            }
            return new Response(r.statusCode(), r.body(), json);
        } catch (IOException e) {
            throw new ScenarioFailure(method + " " + path + " on " + adminAddress + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScenarioFailure("interrupted during " + method + " " + path, e);
        }
    }
}
