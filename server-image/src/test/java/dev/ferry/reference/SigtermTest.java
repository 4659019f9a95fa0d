package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A server process that gets SIGTERM drains its sessions to its peers before it exits. */
@ExtendWith(RedisServerExtension.class)
class SigtermTest {
    static RedisServer redis;

    @Test
    void sigtermDrainsEverySessionToThePeersWithItsState() throws Exception {
        try (ServerProcess peer = ServerProcess.start(ServerProcess.env("peer", "", redis))) {
            try (ServerProcess source = ServerProcess.start(ServerProcess.env("source", peer.address, redis));
                    FerryClient client = FerryClient.create(ClientOptions.builder()
                            .serviceAddress(source.address)
                            .build())) {
                List<FerrySession> sessions = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    FerrySession s = client.connect();
                    s.execute("SET n " + i);
                    sessions.add(s);
                }
                int exit = source.terminate(Duration.ofSeconds(30));
                assertThat(exit).isIn(0, 143);
                assertThat(source.logText()).contains("draining 20 sessions");
                await().atMost(Waits.STATE).until(() -> sessions.stream().allMatch(s -> s.migrations() == 1));
                for (int i = 0; i < sessions.size(); i++) {
                    assertThat(sessions.get(i).execute("GET n").firstText()).isEqualTo(Integer.toString(i));
                    assertThat(sessions.get(i).serverName()).isEqualTo("peer");
                }
            }
        }
    }
}
