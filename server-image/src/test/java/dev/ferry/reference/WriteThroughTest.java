package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.client.ResultStream;
import dev.ferry.client.ServerLostException;
import dev.ferry.client.SessionLostException;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.RespConnection;
import dev.ferry.testkit.Waits;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Write-through mode with real parts: reference-server processes SIGKILLed (a node failure),
 * redis-server, the real client behind a loopback stand-in for the fleet's Service. With
 * FERRY_WRITE_THROUGH=true a session outlives its server's crash with the state of its last
 * completed command; without it, the session is lost as before.
 */
@ExtendWith(RedisServerExtension.class)
class WriteThroughTest {
    static RedisServer redis;

    private static Map<String, String> env(String name, boolean writeThrough) {
        Map<String, String> env = new HashMap<>();
        env.put("FERRY_SERVER_NAME", name);
        env.put("FERRY_PORT", "0");
        env.put("FERRY_ADMIN_PORT", "0");
        env.put("FERRY_ADMIN_TOKEN", AdminClient.TOKEN);
        env.put("FERRY_STORE_URI", redis.uri());
        env.put("FERRY_IDLE_MIGRATION_TIMER", "60");
        env.put("FERRY_SESSION_IDLE_TIMER", "120");
        env.put("FERRY_WRITE_THROUGH", Boolean.toString(writeThrough));
        return env;
    }

    private static FerryClient client(ServiceProxy service) {
        return FerryClient.create(ClientOptions.builder()
                .serviceAddress(service.address())
                .resumeOnConnectionLoss(true)
                .connectTimeout(Duration.ofSeconds(3))
                .resumeBackoff(Duration.ofMillis(50))
                .commandTimeout(Duration.ofSeconds(30))
                .build());
    }

    private static void flush() throws Exception {
        try (RespConnection redisConn = RespConnection.open(redis.host(), redis.port(), Duration.ofSeconds(5))) {
            redisConn.command("FLUSHALL");
        }
    }

    private static long storedKeys() throws Exception {
        try (RespConnection redisConn = RespConnection.open(redis.host(), redis.port(), Duration.ofSeconds(5))) {
            return (Long) redisConn.command("DBSIZE");
        }
    }

    @Test
    void anIdleSessionOutlivesItsServersCrashWithItsState() throws Exception {
        try (ServerProcess a = ServerProcess.start(env("a", true));
                ServerProcess b = ServerProcess.start(env("b", true));
                ServiceProxy service = new ServiceProxy(a.address);
                FerryClient client = client(service)) {
            FerrySession s = client.connect();
            assertThat(s.serverName()).isEqualTo("a");
            s.execute("SET k before-the-crash");
            s.execute("INCR n");

            service.routeTo(b.address); // the Service's endpoints lose the dead pod
            a.kill();
            // A command sent before the client noticed would have reached the dead server: it would fail with
            // ServerLostException (it may have run). This test is about the idle session, so it waits.
            await().atMost(Waits.STATE).until(() -> client.metrics().serverLossResumes() == 1);

            assertThat(s.execute("GET k").firstText()).isEqualTo("before-the-crash");
            assertThat(s.execute("INCR n").firstText()).isEqualTo("2");
            assertThat(s.serverName()).isEqualTo("b");
            assertThat(client.metrics().serverLossResumes()).isEqualTo(1);
            assertThat(s.migrations()).as("a crash resume is not a migration").isZero();
            assertThat(new AdminClient(b)
                            .status()
                            .path("sessions")
                            .path("total")
                            .asLong())
                    .isEqualTo(1);
        }
    }

    @Test
    void aCommandRunningWhenTheServerDiesFailsWithServerLostAndIsNotRunAgain() throws Exception {
        try (ServerProcess a = ServerProcess.start(env("a", true));
                ServerProcess b = ServerProcess.start(env("b", true));
                ServiceProxy service = new ServiceProxy(a.address);
                FerryClient client = client(service)) {
            FerrySession s = client.connect();
            s.execute("SET k kept");
            ResultStream stream = s.submit("STREAM 100000 10");
            assertThat(stream.next().text()).as("running on a").isEqualTo("0");

            service.routeTo(b.address);
            a.kill();

            assertThatThrownBy(() -> {
                        while (stream.hasNext()) {
                            stream.next();
                        }
                    })
                    .isInstanceOf(ServerLostException.class)
                    .hasMessageContaining("was lost while")
                    .hasMessageContaining("resumed on 'b'")
                    .hasMessageContaining("not re-sent");
            assertThat(s.execute("GET k").firstText()).isEqualTo("kept");
            assertThat(s.serverName()).isEqualTo("b");
        }
    }

    @Test
    void withoutWriteThroughTheSessionIsLostAndSaysWhy() throws Exception {
        try (ServerProcess a = ServerProcess.start(env("a", false));
                ServerProcess b = ServerProcess.start(env("b", false));
                ServiceProxy service = new ServiceProxy(a.address);
                FerryClient client = client(service)) {
            FerrySession s = client.connect();
            s.execute("SET k gone");
            service.routeTo(b.address);
            a.kill();
            await().atMost(Waits.STATE).until(() -> !s.isOpen());

            assertThatThrownBy(() -> s.execute("GET k"))
                    .isInstanceOf(SessionLostException.class)
                    .hasMessageContaining("with no migration in progress")
                    .hasMessageContaining("has no saved state of it (SESSION_EXPIRED");
            assertThat(client.metrics().sessionsLost()).isEqualTo(1);
        }
    }

    @Test
    void aSessionItsClientClosesLeavesNothingInTheStore() throws Exception {
        flush(); // the crash tests leave their saved sessions behind, as they should
        try (ServerProcess a = ServerProcess.start(env("a", true));
                ServiceProxy service = new ServiceProxy(a.address);
                FerryClient client = client(service)) {
            FerrySession s = client.connect();
            s.execute("SET k v");
            await().atMost(Waits.STATE).until(() -> storedKeys() == 1);
            s.close();
            await().atMost(Waits.STATE).until(() -> storedKeys() == 0);
        }
    }

    @Test
    void afterABlipTheOldServersNextSaveIsRefusedAndItEndsItsCopy() throws Exception {
        try (ServerProcess a = ServerProcess.start(env("a", true));
                ServerProcess b = ServerProcess.start(env("b", true));
                ServiceProxy service = new ServiceProxy(a.address);
                FerryClient client = client(service)) {
            FerrySession s = client.connect();
            s.execute("SET k before-the-blip");
            ResultStream sleeping = s.submit("SLEEP 3000");
            await().atMost(Waits.STATE)
                    .until(() -> new AdminClient(a)
                                    .status()
                                    .path("sessions")
                                    .path("total")
                                    .asLong()
                            == 1);

            // The client loses its connection; a is alive, still runs the SLEEP and thinks the session is connected.
            service.routeTo(b.address);
            service.severClients();
            assertThatThrownBy(sleeping::await)
                    .isInstanceOf(ServerLostException.class)
                    .hasMessageContaining("resumed on 'b'");
            assertThat(s.serverName()).isEqualTo("b");

            // When the SLEEP ends on a, its save finds the session claimed by b: a ends its copy and leaves b's record
            // alone.
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> new AdminClient(a)
                                    .status()
                                    .path("writeThrough")
                                    .path("refused")
                                    .asLong()
                            == 1);
            await().atMost(Waits.STATE)
                    .until(() -> new AdminClient(a)
                                    .status()
                                    .path("sessions")
                                    .path("total")
                                    .asLong()
                            == 0);
            assertThat(s.execute("GET k").firstText()).isEqualTo("before-the-blip");
            assertThat(s.execute("SET k after").firstText()).isNotNull();
            assertThat(s.serverName()).isEqualTo("b");
            assertThat(client.metrics().serverLossResumes()).isEqualTo(1);
        }
    }
}
