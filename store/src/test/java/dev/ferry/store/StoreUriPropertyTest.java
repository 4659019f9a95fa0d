package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Whatever the input, the URI parser accepts it or says what it expected; nothing else escapes. */
class StoreUriPropertyTest {
    private static final String SECRET = "Zq7SECRETxK";

    @Property(tries = 2000)
    void anyStringIsAcceptedOrRejectedWithTheExpectedForms(@ForAll("uriLike") String uri) {
        checkAcceptedOrExplained(uri);
    }

    @Property(tries = 1000)
    void arbitraryUnicodeIsAcceptedOrRejectedWithTheExpectedForms(@ForAll String uri) {
        checkAcceptedOrExplained(uri);
    }

    @Property(tries = 1000)
    void rejectionsNeverEchoThePassword(@ForAll("withSecret") String uri) {
        try {
            assertThat(ContextStores.validateUri(uri)).doesNotContain(SECRET);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).doesNotContain(SECRET);
        }
    }

    private static void checkAcceptedOrExplained(String uri) {
        String description;
        try {
            description = ContextStores.validateUri(uri);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).contains("expected one of");
            // open() must reject it the same way, before creating any client.
            try {
                ContextStores.open(uri).close();
                throw new AssertionError("open accepted what validateUri rejected: " + uri);
            } catch (IllegalArgumentException expected) {
                assertThat(expected.getMessage()).contains("expected one of");
            }
            return;
        }
        assertThat(description).isNotBlank();
    }

    @Provide
    Arbitrary<String> uriLike() {
        Arbitrary<String> scheme = Arbitraries.of(
                "memory:",
                "memory://",
                "redis://",
                "rediss://",
                "redis-sentinel://",
                "rediss-sentinel://",
                "redis-cluster://",
                "rediss-cluster://",
                "redis:",
                "http://",
                "",
                "REDIS://");
        Arbitrary<String> tail = Arbitraries.strings()
                .withChars("abc:/@#,?=[]%.0123456789 \t-_+{}\\")
                .ofMaxLength(40);
        return Combinators.combine(scheme, tail).as(String::concat);
    }

    @Provide
    Arbitrary<String> withSecret() {
        Arbitrary<String> scheme = Arbitraries.of("redis://", "rediss://", "redis-sentinel://", "redis-cluster://");
        Arbitrary<String> tail =
                Arbitraries.strings().withChars("abc:/@#,?=[]%.0123456789").ofMaxLength(25);
        return Combinators.combine(scheme, tail).as((s, t) -> s + ":" + SECRET + "@" + t);
    }
}
