package dev.ferry.store;

import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisServerExtension.class)
class RedisStandaloneContextStoreTest extends ContextStoreContract {
    static RedisServer redis;

    @Override
    protected ContextStore newStore() {
        return ContextStores.open(redis.uri());
    }

    @Override
    protected void letTimePass(Duration d) {
        // Real time: the tests wait for the effect.
    }
}
