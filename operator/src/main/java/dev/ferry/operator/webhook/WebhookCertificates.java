package dev.ferry.operator.webhook;

import dev.ferry.operator.resources.FleetLabels;
import dev.ferry.operator.tls.FleetCertificates;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The webhook's TLS: a CA and a serving certificate for the webhook Service's DNS names, made by the
 * same code as a fleet's ({@link FleetCertificates}: ECDSA P-256, CA 10 years, certificate one year),
 * kept in one Secret in the operator's namespace that every replica serves from, and the CA published
 * as {@code caBundle} of the ValidatingWebhookConfiguration so that the API server trusts it.
 *
 * <p>Replicas agree without a lock: the Secret is create-only (a 409 means another replica created it
 * first, and its certificate is used); a serving certificate past two thirds of its life, or naming
 * other names, is issued again under the same CA by an update on the resourceVersion read (a 409: another
 * replica renewed it first; read theirs). The caBundle is written with a JSON patch, per webhook of the
 * configuration, only when it differs; the field manager {@value #FIELD_MANAGER} then owns only that
 * field, so {@code kubectl apply} of {@code deploy/} (whose manifest has no caBundle) leaves it alone.
 */
public final class WebhookCertificates {

    public static final String SECRET = "ferry-operator-webhook-tls";
    public static final String SERVICE = "ferry-operator-webhook";
    public static final String CONFIGURATION = "ferry-eviction";
    public static final String FIELD_MANAGER = "ferry-operator-webhook";
    static final String CA_CERT = "ca.crt";
    static final String CA_KEY = "ca.key";
    static final String CERT = "tls.crt";
    static final String KEY = "tls.key";

    private static final Logger log = Logger.getLogger(WebhookCertificates.class);

    private WebhookCertificates() {}

    /** What the server presents and what the API server must trust, as PEM. */
    public record Material(String caPem, String caKeyPem, String certificatePem, String privateKeyPem) {
        public Material {
            Objects.requireNonNull(caPem, "caPem");
            Objects.requireNonNull(caKeyPem, "caKeyPem");
            Objects.requireNonNull(certificatePem, "certificatePem");
            Objects.requireNonNull(privateKeyPem, "privateKeyPem");
        }
    }

    /** The names the API server uses to reach the webhook Service of {@code namespace}. */
    public static List<String> dnsNames(String service, String namespace) {
        return List.of(service + "." + namespace + ".svc", service + "." + namespace + ".svc.cluster.local");
    }

    /** A new CA and a certificate for {@code names} signed by it. */
    public static Material issue(String namespace, List<String> names, Instant now) {
        FleetCertificates.Issued ca = FleetCertificates.newCa("ferry operator webhook CA " + namespace, now);
        return reissue(ca, names, now);
    }

    private static Material reissue(FleetCertificates.Issued ca, List<String> names, Instant now) {
        FleetCertificates.Issued serving = FleetCertificates.issueServing(ca, names, now);
        return new Material(ca.certificatePem(), ca.privateKeyPem(), serving.certificatePem(), serving.privateKeyPem());
    }

    /** The material in a Secret; empty when a key is missing. */
    static Optional<Material> read(Secret secret) {
        Map<String, String> data = secret.getData();
        if (data == null) {
            return Optional.empty();
        }
        List<String> values = new ArrayList<>();
        for (String key : List.of(CA_CERT, CA_KEY, CERT, KEY)) {
            String value = data.get(key);
            if (value == null || value.isEmpty()) {
                return Optional.empty();
            }
            values.add(new String(Base64.getDecoder().decode(value), StandardCharsets.US_ASCII));
        }
        return Optional.of(new Material(values.get(0), values.get(1), values.get(2), values.get(3)));
    }

    static Secret secret(String namespace, String name, Material m) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(CA_CERT, base64(m.caPem()));
        data.put(CA_KEY, base64(m.caKeyPem()));
        data.put(CERT, base64(m.certificatePem()));
        data.put(KEY, base64(m.privateKeyPem()));
        return new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .addToLabels(FleetLabels.MANAGED_BY, FleetLabels.MANAGER)
                .endMetadata()
                .withType("kubernetes.io/tls")
                .withData(data)
                .build();
    }

    /**
     * The webhook's certificate from Secret {@code secretName} in {@code namespace}: created if missing
     * (create-only; the replica that loses the race reads the winner's), issued again under the same CA
     * when due or when {@code names} changed.
     */
    public static Material ensure(
            KubernetesClient client, String namespace, String secretName, List<String> names, Instant now) {
        for (int attempt = 0; attempt < 5; attempt++) {
            Secret existing =
                    client.secrets().inNamespace(namespace).withName(secretName).get();
            if (existing == null) {
                Material fresh = issue(namespace, names, now);
                try {
                    client.resource(secret(namespace, secretName, fresh)).create();
                    log.infof("Created the webhook's CA and certificate in Secret %s/%s", namespace, secretName);
                    return fresh;
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) {
                        throw e;
                    }
                    log.debugf("Secret %s/%s was created by another replica; reading it", namespace, secretName);
                    continue;
                }
            }
            Optional<Material> stored = read(existing);
            if (stored.isPresent() && !needsRenewal(stored.get(), names, now)) {
                return stored.get();
            }
            // Unreadable, or the certificate is due: a new certificate under the stored CA when it is still
            // good, else a new CA too (the caBundle is published again either way).
            Material renewed = stored.filter(m -> FleetCertificates.caUsable(m.caPem(), now))
                    .map(m -> reissue(new FleetCertificates.Issued(m.caPem(), m.caKeyPem()), names, now))
                    .orElseGet(() -> issue(namespace, names, now));
            Secret update = secret(namespace, secretName, renewed);
            update.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
            try {
                client.resource(update).update();
                log.infof("Issued the webhook's certificate again in Secret %s/%s", namespace, secretName);
                return renewed;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                log.debugf("Secret %s/%s was renewed by another replica; reading it", namespace, secretName);
            }
        }
        throw new IllegalStateException("Secret " + namespace + "/" + secretName
                + " keeps changing under this replica; cannot settle on the webhook's certificate");
    }

    static boolean needsRenewal(Material m, List<String> names, Instant now) {
        return FleetCertificates.needsRenewal(m.certificatePem(), m.caPem(), names, now);
    }

    /**
     * Sets {@code caBundle} of every webhook of ValidatingWebhookConfiguration {@code configuration} to
     * {@code caPem} where it differs.
     *
     * @return false when the configuration does not exist (nothing to patch; the webhook is then not
     *     called at all)
     */
    public static boolean publishCaBundle(KubernetesClient client, String configuration, String caPem) {
        var resource = client.admissionRegistration()
                .v1()
                .validatingWebhookConfigurations()
                .withName(configuration);
        ValidatingWebhookConfiguration current = resource.get();
        if (current == null) {
            return false;
        }
        String bundle = base64(caPem);
        List<String> ops = new ArrayList<>();
        List<ValidatingWebhook> webhooks = current.getWebhooks() == null ? List.of() : current.getWebhooks();
        for (int i = 0; i < webhooks.size(); i++) {
            ValidatingWebhook w = webhooks.get(i);
            if (w.getClientConfig() == null || bundle.equals(w.getClientConfig().getCaBundle())) {
                continue;
            }
            // The test makes the patch fail (422) if the list changed under us, rather than patching another webhook.
            ops.add("{\"op\":\"test\",\"path\":\"/webhooks/" + i + "/name\",\"value\":" + jsonString(w.getName())
                    + "}");
            ops.add("{\"op\":\"add\",\"path\":\"/webhooks/" + i + "/clientConfig/caBundle\",\"value\":\"" + bundle
                    + "\"}");
        }
        if (ops.isEmpty()) {
            return true;
        }
        resource.patch(
                new PatchContext.Builder()
                        .withPatchType(PatchType.JSON)
                        .withFieldManager(FIELD_MANAGER)
                        .build(),
                "[" + String.join(",", ops) + "]");
        log.infof("Published the webhook's CA as caBundle of ValidatingWebhookConfiguration %s", configuration);
        return true;
    }

    private static String jsonString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }
}
