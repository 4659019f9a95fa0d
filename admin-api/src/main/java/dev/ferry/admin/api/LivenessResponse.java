package dev.ferry.admin.api;

/** Body of {@code GET /healthz/live}: the process answers; always {@code "UP"}. */
public record LivenessResponse(String status) {
    public static final LivenessResponse UP = new LivenessResponse("UP");
}
