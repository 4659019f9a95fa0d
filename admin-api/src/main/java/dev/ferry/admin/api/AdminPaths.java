package dev.ferry.admin.api;

/** The admin API's paths and headers, as every caller and the server spell them. */
public final class AdminPaths {
    public static final String LIVE = "/healthz/live";
    public static final String READY = "/healthz/ready";
    public static final String METRICS = "/metrics";
    public static final String STATUS = "/v1/status";
    public static final String SESSIONS = "/v1/sessions";
    public static final String DRAIN = "/v1/drain";
    public static final String MIGRATE = "/v1/migrate";
    public static final String PEERS = "/v1/peers";

    /**
     * The second header that carries the admin token, for callers behind a proxy that consumes
     * {@code Authorization} itself (kube-apiserver's pod proxy).
     */
    public static final String TOKEN_HEADER = "X-Ferry-Admin-Token";

    /** The media type of every request and response body but the metrics. */
    public static final String JSON = "application/json";

    /** Where the OpenAPI document sits on the class path of anything that depends on this module. */
    public static final String OPENAPI_RESOURCE = "/dev/ferry/admin/api/openapi.yaml";

    private AdminPaths() {}
}
