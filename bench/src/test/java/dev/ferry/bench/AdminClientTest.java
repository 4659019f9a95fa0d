package dev.ferry.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.admin.api.DrainStatus;
import dev.ferry.admin.api.StatusResponse;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Request;
import dev.ferry.server.ServerOptions;
import dev.ferry.server.Session;
import dev.ferry.server.SessionHandler;
import dev.ferry.server.admin.AdminOptions;
import dev.ferry.server.admin.AdminServer;
import dev.ferry.store.InMemoryContextStore;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The benchmarks' admin client against a real server's admin API: each call is accepted and its answer read. */
class AdminClientTest {
    private static final String TOKEN = "bench-admin-client-test";
    private static final String PEER = "127.0.0.1:7999";

    private FerryServer server;
    private AdminServer admin;
    private AdminClient client;

    @BeforeEach
    void start() {
        server = FerryServer.start(ServerOptions.builder()
                .serverName("bench-admin")
                .contextStore(new InMemoryContextStore())
                .handler(new SessionHandler() {
                    @Override
                    public void onCommand(Session session, Request request) {
                        request.done();
                    }

                    @Override
                    public void onMigrateResume(Session session, Request request) {
                        request.done();
                    }
                })
                .build());
        admin = AdminServer.start(AdminOptions.builder().bearerToken(TOKEN).build(), server);
        client = new AdminClient("127.0.0.1:" + admin.localAddress().getPort(), TOKEN);
    }

    @AfterEach
    void stop() {
        admin.close();
        server.close();
    }

    @Test
    void drainsReadsTheStatusAndCancels() throws Exception {
        StatusResponse before = client.status();
        assertThat(before.name()).isEqualTo("bench-admin");
        assertThat(before.serving()).isTrue();
        assertThat(before.sessions().total()).isZero();

        DrainStatus drain = client.drain(List.of(PEER), 0.5);

        assertThat(drain.targets()).containsExactly(PEER);
        assertThat(drain.ratePerSecond()).isEqualTo(0.5);
        StatusResponse draining = client.status();
        assertThat(draining.serving()).isFalse();
        assertThat(draining.draining()).isTrue();
        assertThat(client.cancelDrain().cancelled()).isZero();
        assertThat(client.status().serving()).isTrue();
        assertThat(client.metrics()).contains("ferry_");
    }
}
