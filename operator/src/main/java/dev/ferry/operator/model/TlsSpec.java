package dev.ferry.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** TLS on the fleet's client port and admin port (the admin API uses the same certificate). */
@ValidationRule(
        value = "self.mode != 'Provided' || has(self.secretName)",
        message =
                "tls.secretName is required when tls.mode is Provided: name a kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt")
@ValidationRule(
        value = "self.mode == 'Provided' || !has(self.secretName)",
        message =
                "tls.secretName is only read when tls.mode is Provided; with Generated the operator keeps the Secret <fleet>-tls itself")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TlsSpec {

    @JsonPropertyDescription(
            "Disabled (plain TCP), Generated (the operator creates a CA for the fleet in Secret <fleet>-ca and a serving"
                    + " certificate in Secret <fleet>-tls, renewed before it expires) or Provided (the Secret in secretName)."
                    + " Changing it rolls the fleet.")
    @Default("Disabled")
    private TlsMode mode = TlsMode.Disabled;

    @JsonPropertyDescription(
            "With mode Provided: a kubernetes.io/tls Secret in the fleet's namespace with tls.crt, tls.key (PKCS#8) and ca.crt,"
                    + " the CA that signed tls.crt, which the operator trusts when it calls the pods' admin API.")
    @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
    private String secretName;

    public TlsMode getMode() {
        return mode;
    }

    public void setMode(TlsMode mode) {
        this.mode = mode;
    }

    public String getSecretName() {
        return secretName;
    }

    public void setSecretName(String secretName) {
        this.secretName = secretName;
    }
}
