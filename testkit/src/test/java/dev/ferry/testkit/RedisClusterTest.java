package dev.ferry.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedisClusterTest {

    @Test
    void formsAClusterOfThreeMastersAndStopsThem() {
        List<RedisServer> nodes;
        try (RedisCluster cluster = RedisCluster.start(3)) {
            nodes = cluster.nodes();
            assertEquals(3, nodes.size());
            assertTrue(cluster.uri().startsWith("redis-cluster://127.0.0.1:"));
            for (RedisServer node : nodes) {
                String info = String.valueOf(node.command("CLUSTER", "INFO"));
                assertTrue(info.contains("cluster_state:ok"), info);
                assertTrue(info.contains("cluster_known_nodes:3"), info);
            }
        }
        nodes.forEach(node -> assertFalse(node.isRunning()));
    }
}
