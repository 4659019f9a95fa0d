package dev.ferry.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;

/** What a fleet should look like. Defaults are applied by the API server, so a stored spec is complete. */
@JsonInclude(JsonInclude.Include.NON_NULL)
// A rule rather than "required", so that the message says how to fix it.
@ValidationRule(
        value = "has(self.contextStore)",
        message =
                "spec.contextStore is required: set contextStore.uri (such as redis://redis:6379) or contextStore.secretKeyRef")
@ValidationRule(
        value = "!has(self.contextStore) || !has(self.contextStore.writeThrough) || !self.contextStore.writeThrough"
                + " || !has(self.sessionIdleTimerSeconds) || self.sessionIdleTimerSeconds > 0",
        message =
                "contextStore.writeThrough needs sessionIdleTimerSeconds above 0: saved sessions live that long in the store")
public class ServerFleetSpec {

    public static final int MAX_TIMER_SECONDS = 32767;

    @JsonPropertyDescription(
            "Number of server pods. Changed by hand, by the operator with spec.autoscaling, or by HPA/KEDA"
                    + " through the scale subresource; pods removed by a scale-down first migrate their sessions to the remaining pods.")
    @SpecReplicas
    @Min(0)
    @Max(10000)
    @Default("1")
    private Integer replicas = 1;

    @JsonPropertyDescription(
            "Pod template of a server pod. The server container is the one named 'server', else the first;"
                    + " the operator adds its ports, environment (FERRY_*), readiness probe and labels.")
    @Required
    @ValidationRule(
            value = "has(self.spec) && has(self.spec.containers) && size(self.spec.containers) > 0",
            message =
                    "template.spec.containers must hold the server container (named 'server', or the first container)")
    private PodTemplateSpec template;

    @JsonPropertyDescription("Port the server listens on for clients (FERRY_PORT), exposed by the client Service.")
    @Min(1)
    @Max(65535)
    @Default("7000")
    private Integer clientPort = 7000;

    @JsonPropertyDescription(
            "Port of the server's admin HTTP API (FERRY_ADMIN_PORT): health, metrics, and the drain and"
                    + " migrate calls of the operator. Exposed only by the headless admin Service.")
    @Min(1)
    @Max(65535)
    @Default("7001")
    private Integer adminPort = 7001;

    @JsonPropertyDescription(
            "The shared context store that holds exported sessions between source and target pod (FERRY_STORE_URI).")
    private ContextStoreSpec contextStore;

    @JsonPropertyDescription(
            "Idle migration timer: seconds a source pod keeps a connection open after a migration request,"
                    + " waiting for the client to move. 0 closes at once. With sessionIdleTimerSeconds also 0,"
                    + " migration is disabled and drains close connections.")
    @Min(0)
    @Max(MAX_TIMER_SECONDS)
    @Default("60")
    private Integer idleMigrationTimerSeconds = 60;

    @JsonPropertyDescription(
            "Session idle timer: seconds an exported session context stays in the store for a client that"
                    + " has not resumed yet. 0 invalidates any migration not finished within the idle migration timer.")
    @Min(0)
    @Max(MAX_TIMER_SECONDS)
    @Default("600")
    private Integer sessionIdleTimerSeconds = 600;

    @JsonPropertyDescription(
            "Sessions per second one draining pod migrates (FERRY_DRAIN_RATE and the drain calls); 0 means unlimited.")
    @Min(0)
    @Max(1000000)
    @Default("1000")
    private Integer migrationRatePerSecond = 1000;

    @JsonPropertyDescription("Seconds a pod that resumed a session has to confirm its claim in the context store"
            + " (FERRY_CLAIM_CONFIRM_TIMEOUT). A pod that dies before confirming (its client never learned it resumed)"
            + " leaves the session to the next pod the client tries once this has passed. Clients wait for it up to"
            + " their claim wait (15 s by default in the Java client), so keep it below that.")
    @Min(1)
    @Max(3600)
    @Default("5")
    private Integer claimConfirmTimeoutSeconds = 5;

    @JsonPropertyDescription(
            "Which address migrating clients are sent to: Pod (the target pod's IP and client port; for"
                    + " clients inside the cluster) or Service (the client Service's address; any serving pod"
                    + " resumes the session from the store).")
    @Default("Pod")
    private Advertise advertise = Advertise.Pod;

    @JsonPropertyDescription("How a change of the pod template rolls out.")
    @Default("{}")
    private UpdateStrategySpec updateStrategy = new UpdateStrategySpec();

    @JsonPropertyDescription(
            "Which pods a scale-down removes: FewestSessions (the fewest sessions to migrate) or Newest.")
    @Default("FewestSessions")
    private ScaleDownPolicy scaleDownPolicy = ScaleDownPolicy.FewestSessions;

    @JsonPropertyDescription("Moves sessions onto new pods after a scale-up, so the load evens out.")
    @Default("{}")
    private RebalanceSpec rebalance = new RebalanceSpec();

    @JsonPropertyDescription("A PodDisruptionBudget the operator keeps for the fleet's pods.")
    @Default("{}")
    private PodDisruptionBudgetSpec podDisruptionBudget = new PodDisruptionBudgetSpec();

    @JsonPropertyDescription(
            "The operator's own autoscaler, on the pods' session counts: it sets replicas within minReplicas and"
                    + " maxReplicas. Leave it out when a HorizontalPodAutoscaler scales the fleet.")
    private AutoscalingSpec autoscaling;

    @JsonPropertyDescription("TLS on the client and admin ports: off, a CA the operator generates, or your own Secret.")
    @Default("{}")
    private TlsSpec tls = new TlsSpec();

    public AutoscalingSpec getAutoscaling() {
        return autoscaling;
    }

    public void setAutoscaling(AutoscalingSpec autoscaling) {
        this.autoscaling = autoscaling;
    }

    public TlsSpec getTls() {
        return tls;
    }

    public void setTls(TlsSpec tls) {
        this.tls = tls;
    }

    public Integer getReplicas() {
        return replicas;
    }

    public void setReplicas(Integer replicas) {
        this.replicas = replicas;
    }

    public PodTemplateSpec getTemplate() {
        return template;
    }

    public void setTemplate(PodTemplateSpec template) {
        this.template = template;
    }

    public Integer getClientPort() {
        return clientPort;
    }

    public void setClientPort(Integer clientPort) {
        this.clientPort = clientPort;
    }

    public Integer getAdminPort() {
        return adminPort;
    }

    public void setAdminPort(Integer adminPort) {
        this.adminPort = adminPort;
    }

    public ContextStoreSpec getContextStore() {
        return contextStore;
    }

    public void setContextStore(ContextStoreSpec contextStore) {
        this.contextStore = contextStore;
    }

    public Integer getIdleMigrationTimerSeconds() {
        return idleMigrationTimerSeconds;
    }

    public void setIdleMigrationTimerSeconds(Integer idleMigrationTimerSeconds) {
        this.idleMigrationTimerSeconds = idleMigrationTimerSeconds;
    }

    public Integer getSessionIdleTimerSeconds() {
        return sessionIdleTimerSeconds;
    }

    public void setSessionIdleTimerSeconds(Integer sessionIdleTimerSeconds) {
        this.sessionIdleTimerSeconds = sessionIdleTimerSeconds;
    }

    public Integer getClaimConfirmTimeoutSeconds() {
        return claimConfirmTimeoutSeconds;
    }

    public void setClaimConfirmTimeoutSeconds(Integer claimConfirmTimeoutSeconds) {
        this.claimConfirmTimeoutSeconds = claimConfirmTimeoutSeconds;
    }

    public Integer getMigrationRatePerSecond() {
        return migrationRatePerSecond;
    }

    public void setMigrationRatePerSecond(Integer migrationRatePerSecond) {
        this.migrationRatePerSecond = migrationRatePerSecond;
    }

    public Advertise getAdvertise() {
        return advertise;
    }

    public void setAdvertise(Advertise advertise) {
        this.advertise = advertise;
    }

    public UpdateStrategySpec getUpdateStrategy() {
        return updateStrategy;
    }

    public void setUpdateStrategy(UpdateStrategySpec updateStrategy) {
        this.updateStrategy = updateStrategy;
    }

    public ScaleDownPolicy getScaleDownPolicy() {
        return scaleDownPolicy;
    }

    public void setScaleDownPolicy(ScaleDownPolicy scaleDownPolicy) {
        this.scaleDownPolicy = scaleDownPolicy;
    }

    public RebalanceSpec getRebalance() {
        return rebalance;
    }

    public void setRebalance(RebalanceSpec rebalance) {
        this.rebalance = rebalance;
    }

    public PodDisruptionBudgetSpec getPodDisruptionBudget() {
        return podDisruptionBudget;
    }

    public void setPodDisruptionBudget(PodDisruptionBudgetSpec podDisruptionBudget) {
        this.podDisruptionBudget = podDisruptionBudget;
    }
}
