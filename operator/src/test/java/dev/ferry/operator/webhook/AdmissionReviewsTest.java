package dev.ferry.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The AdmissionReview parser: what the API server sends, and anything else, never an escaping exception. */
class AdmissionReviewsTest {

    /** An eviction as the API server sends it (trimmed: the parser ignores what it does not read). */
    static String review(String pod, boolean dryRun, String evictionDryRun) {
        return """
                {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
                 "uid":"705ab4f5-6393-11e8-b7cc-42010a800002",
                 "kind":{"group":"policy","version":"v1","kind":"Eviction"},
                 "resource":{"group":"","version":"v1","resource":"pods"},
                 "subResource":"eviction",
                 "requestKind":{"group":"policy","version":"v1","kind":"Eviction"},
                 "requestResource":{"group":"","version":"v1","resource":"pods"},
                 "requestSubResource":"eviction",
                 "name":"%s","namespace":"apps","operation":"CREATE",
                 "userInfo":{"username":"system:serviceaccount:kube-system:cluster-autoscaler","groups":["system:serviceaccounts"]},
                 "object":{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"%s","namespace":"apps"},
                           "deleteOptions":{"dryRun":%s}},
                 "oldObject":null,"dryRun":%s,
                 "options":{"apiVersion":"meta.k8s.io/v1","kind":"CreateOptions"}}}
                """.formatted(pod, pod, evictionDryRun, dryRun);
    }

    @Test
    void readsAnEvictionReview() throws Exception {
        AdmissionReviews.Request r = AdmissionReviews.parse(review("f-1", false, "[]"));
        assertThat(r.uid()).isEqualTo("705ab4f5-6393-11e8-b7cc-42010a800002");
        assertThat(r.isPodEviction()).isTrue();
        assertThat(r.namespace()).isEqualTo("apps");
        assertThat(r.name()).isEqualTo("f-1");
        assertThat(r.user()).contains("system:serviceaccount:kube-system:cluster-autoscaler");
        assertThat(r.dryRun()).isFalse();
        assertThat(AdmissionReviews.parse(review("f-1", true, "[]")).dryRun()).isTrue();
        assertThat(AdmissionReviews.parse(review("f-1", false, "[\"All\"]")).dryRun())
                .as("kubectl drain --dry-run=server sets it in the Eviction's deleteOptions")
                .isTrue();
    }

    @Test
    void refusesWhatIsNotAnAdmissionReviewV1WithAClearMessage() {
        assertBad("", "empty body");
        assertBad("not json", "not JSON");
        assertBad("[1,2]", "must be a JSON object");
        assertBad(
                "{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\"}}",
                "expected apiVersion admission.k8s.io/v1 and kind AdmissionReview, got apiVersion"
                        + " \"admission.k8s.io/v1beta1\"");
        assertBad("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"Pod\"}", "got apiVersion");
        assertBad("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}", "has no request object");
        assertBad(
                "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{}}",
                "request has no uid");
        assertBad(
                "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":7}}",
                "request has no uid");
    }

    private static void assertBad(String body, String message) {
        assertThatThrownBy(() -> AdmissionReviews.parse(body))
                .isInstanceOf(AdmissionReviews.BadReview.class)
                .hasMessageContaining(message);
    }

    @Property(tries = 2000)
    void anyBodyParsesOrIsRefusedWithAMessage(@ForAll("bodies") String body) {
        try {
            AdmissionReviews.Request r = AdmissionReviews.parse(body);
            assertThat(r.uid()).isNotEmpty();
            // Whatever was read, the answer is well-formed JSON for that uid.
            assertThat(AdmissionReviews.response(r.uid(), new EvictionAdmission.Decision.Allow("x")))
                    .contains("\"allowed\":true");
        } catch (AdmissionReviews.BadReview e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<String> bodies() {
        String valid = review("f-1", false, "[]");
        Arbitrary<String> any = Arbitraries.strings().ofMaxLength(300);
        Arbitrary<String> cut =
                Arbitraries.integers().between(0, valid.length()).map(n -> valid.substring(0, n));
        Arbitrary<String> mutated = Combinators.combine(
                        Arbitraries.integers().between(0, valid.length() - 1),
                        Arbitraries.chars().ascii(),
                        Arbitraries.integers().between(1, 4))
                .as((at, c, times) -> {
                    StringBuilder b = new StringBuilder(valid);
                    for (int i = 0; i < times; i++) {
                        b.setCharAt((at * (i + 7)) % b.length(), c);
                    }
                    return b.toString();
                });
        // Fields of the wrong type where the parser reads them.
        Arbitrary<String> retyped = Arbitraries.of(
                        "\"uid\":\"705ab4f5-6393-11e8-b7cc-42010a800002\"",
                        "\"resource\":{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\"}",
                        "\"name\":\"f-1\"",
                        "\"userInfo\":{\"username\":\"system:serviceaccount:kube-system:cluster-autoscaler\"",
                        "\"dryRun\":false",
                        "\"deleteOptions\":{\"dryRun\":[]}")
                .flatMap(field -> Arbitraries.of("null", "1", "[]", "{}", "\"x\"", "true", "[{}]")
                        .map(v -> valid.replace(
                                field,
                                field.substring(0, field.indexOf(':') + 1)
                                        + v
                                        + (field.endsWith("\"")
                                                        || field.endsWith("}")
                                                        || field.endsWith("]")
                                                        || field.endsWith("e")
                                                ? ""
                                                : ""))));
        Arbitrary<String> nested = Arbitraries.integers().between(1, 3000).map(n -> "[".repeat(n) + "]".repeat(n));
        return Arbitraries.oneOf(any, cut, mutated, retyped, nested);
    }
}
