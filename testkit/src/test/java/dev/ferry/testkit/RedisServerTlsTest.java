package dev.ferry.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisServerTlsTest {

    @Test
    void tlsServerAnswersOverTlsWithPasswordAndRefusesPlainTcp() throws IOException {
        try (TestPki pki = TestPki.create();
                RedisServer redis = RedisServer.builder().tls(pki).start()) {
            assertTrue(redis.uri().startsWith("rediss://:" + redis.password() + "@127.0.0.1:"), redis.uri());
            assertEquals("OK", redis.command("SET", "k", "v"));
            assertEquals("v", redis.command("GET", "k"));
            // Plain TCP on the same port must not work: the server speaks TLS only.
            try (RespConnection plain = RespConnection.open(redis.host(), redis.port(), Duration.ofSeconds(2))) {
                assertThrows(IOException.class, () -> plain.command("PING"));
            }
            // Over TLS but without AUTH the password is enforced.
            try (RespConnection noAuth =
                    RespConnection.open(redis.host(), redis.port(), Duration.ofSeconds(2), pki.trustingContext())) {
                Object reply = noAuth.command("GET", "k");
                assertTrue(
                        reply instanceof RespConnection.RespError e
                                && e.message().startsWith("NOAUTH"),
                        String.valueOf(reply));
            }
        }
    }

    @Test
    void aClientTrustingAnotherCaIsRefused() {
        try (TestPki pki = TestPki.create();
                TestPki other = TestPki.create("Other CA");
                RedisServer redis = RedisServer.builder().tls(pki).start()) {
            assertThrows(
                    javax.net.ssl.SSLException.class,
                    () -> RespConnection.open(
                                    redis.host(), redis.port(), Duration.ofSeconds(2), other.trustingContext())
                            .close());
        }
    }
}
