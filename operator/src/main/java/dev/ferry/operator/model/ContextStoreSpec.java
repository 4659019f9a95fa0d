package dev.ferry.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Where the fleet's session contexts live: a URI given inline, or a key of a Secret that holds it
 * (for a URI with a password). The operator never reads that Secret; the pod gets it as env.
 */
@ValidationRule(
        value = "has(self.uri) != has(self.secretKeyRef)",
        message = "set exactly one of contextStore.uri and contextStore.secretKeyRef")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ContextStoreSpec {

    /** The URI schemes the reference server understands (see ServerConfig's FERRY_STORE_URI). */
    public static final String URI_PATTERN = "^(memory:|redis://|rediss://|redis-sentinel://|redis-cluster://).*$";

    @JsonPropertyDescription("Store URI: memory: (one pod only: sessions cannot move between pods), redis://host:port,"
            + " rediss://, redis-sentinel:// or redis-cluster://.")
    @Pattern(URI_PATTERN)
    private String uri;

    @JsonPropertyDescription("A key of a Secret in the fleet's namespace whose value is the store URI.")
    private SecretKeyRef secretKeyRef;

    @JsonPropertyDescription(
            "Write-through (FERRY_WRITE_THROUGH): every session's context is saved at each command boundary, so sessions"
                    + " survive a pod crash (clients resume them with resumeOnConnectionLoss); one store write per command."
                    + " Needs sessionIdleTimerSeconds above 0.")
    @io.fabric8.generator.annotation.Default("false")
    private Boolean writeThrough = false;

    public Boolean getWriteThrough() {
        return writeThrough;
    }

    public void setWriteThrough(Boolean writeThrough) {
        this.writeThrough = writeThrough;
    }

    public String getUri() {
        return uri;
    }

    public void setUri(String uri) {
        this.uri = uri;
    }

    public SecretKeyRef getSecretKeyRef() {
        return secretKeyRef;
    }

    public void setSecretKeyRef(SecretKeyRef secretKeyRef) {
        this.secretKeyRef = secretKeyRef;
    }
}
