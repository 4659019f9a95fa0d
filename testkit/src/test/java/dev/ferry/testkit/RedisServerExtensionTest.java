package dev.ferry.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisServerExtension.class)
class RedisServerExtensionTest {
    static RedisServer injected;
    static RedisServer fromBeforeAll;

    @BeforeAll
    static void remember(RedisServer redis) {
        fromBeforeAll = redis;
    }

    @Test
    void injectsOneRunningServerEverywhere(RedisServer redis) {
        assertTrue(redis.isRunning());
        assertSame(redis, injected);
        assertSame(redis, fromBeforeAll);
        assertEquals("PONG", redis.command("PING"));
    }

    @Nested
    class Inner {
        @Test
        void sharesTheOuterServer(RedisServer redis) {
            assertSame(fromBeforeAll, redis);
            assertTrue(redis.isRunning());
        }
    }
}
