package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testkit.RedisCluster;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RedisClusterContextStoreTest extends ContextStoreContract {
    static RedisCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisCluster.start(3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
    }

    @Override
    protected ContextStore newStore() {
        return ContextStores.open(cluster.uri());
    }

    @Override
    protected void letTimePass(Duration d) {
        // Real time: the tests wait for the effect.
    }

    @Test
    void sessionsSpreadOverEveryNode() {
        for (int i = 0; i < 60; i++) join(store.export(newId(), newContext(), LONG_TTL));
        Set<Integer> nodesWithKeys = new HashSet<>();
        cluster.nodes().forEach(node -> {
            if ((Long) node.command("DBSIZE") > 0) nodesWithKeys.add(node.port());
        });
        assertThat(nodesWithKeys).hasSize(3);
    }
}
