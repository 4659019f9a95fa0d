package dev.ferry.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisServerTest {

    @Test
    void startsAnswersAndComesBackOnTheSamePortAfterAKill() {
        try (RedisServer redis = RedisServer.startDefault()) {
            int port = redis.port();
            assertTrue(redis.isRunning());
            assertEquals("redis://127.0.0.1:" + port, redis.uri());
            assertEquals("OK", redis.command("SET", "k", "v"));
            assertEquals("", ((java.util.List<?>) redis.command("CONFIG", "GET", "save")).get(1));

            redis.kill();
            assertFalse(redis.isRunning());
            assertThrows(IOException.class, () -> new Socket(redis.host(), port).close());

            redis.start();
            assertEquals(port, redis.port());
            assertEquals("PONG", redis.command("PING"));
            // No persistence: the restarted server is empty.
            assertEquals(null, redis.command("GET", "k"));

            redis.stop();
            assertFalse(redis.isRunning());
        }
    }

    @Test
    void requiresThePasswordItWasGiven() throws IOException {
        try (RedisServer redis = RedisServer.builder().password("s3cret").start()) {
            assertEquals("redis://:s3cret@127.0.0.1:" + redis.port(), redis.uri());
            assertEquals("PONG", redis.command("PING"));
            try (RespConnection anonymous = RespConnection.open(redis.host(), redis.port(), Duration.ofSeconds(2))) {
                RespConnection.RespError error =
                        assertInstanceOf(RespConnection.RespError.class, anonymous.command("GET", "x"));
                assertTrue(error.message().startsWith("NOAUTH"), error.message());
            }
        }
    }

    @Test
    void startupFailureCarriesTheServersLog() {
        RedisServer broken = RedisServer.builder()
                .args("--no-such-option", "x")
                .startupTimeout(Duration.ofSeconds(5))
                .build();
        try (broken) {
            IllegalStateException e = assertThrows(IllegalStateException.class, broken::start);
            assertTrue(e.getMessage().contains("no-such-option"), e.getMessage());
            assertFalse(broken.isRunning());
        }
    }

    @Test
    void twoServersGetDifferentPorts() {
        try (RedisServer a = RedisServer.startDefault();
                RedisServer b = RedisServer.startDefault()) {
            assertNotEquals(a.port(), b.port());
        }
    }
}
