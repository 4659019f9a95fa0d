package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.Waits;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Faults with real parts: reference-server processes (killed with SIGKILL, as a node failure or
 * the OOM killer would), a real redis-server (killed and restarted on its port), the real client.
 * Each test states what the client sees, that the session's state survives where docs/faults.md
 * says it does, and what {@code /v1/status} reports.
 */
@ExtendWith(RedisServerExtension.class)
class FaultsTest {
    static RedisServer redis;

    private static Map<String, String> env(String name) {
        Map<String, String> env = new HashMap<>();
        env.put("FERRY_SERVER_NAME", name);
        env.put("FERRY_PORT", "0");
        env.put("FERRY_ADMIN_PORT", "0");
        env.put("FERRY_ADMIN_TOKEN", AdminClient.TOKEN);
        env.put("FERRY_STORE_URI", redis.uri());
        env.put("FERRY_IDLE_MIGRATION_TIMER", "60");
        env.put("FERRY_SESSION_IDLE_TIMER", "120");
        return env;
    }

    /** A client that reads only while a command is outstanding, so a MIGRATE waits in its socket until the next command. */
    private static FerryClient lazyClient(ServerProcess service) {
        return FerryClient.create(ClientOptions.builder()
                .serviceAddress(service.address)
                .readAhead(false)
                .commandTimeout(Duration.ofSeconds(30))
                .build());
    }

    private static long state(JsonNode status, String state) {
        return status.path("sessions").path("byState").path(state).asLong(-1);
    }

    @Test
    void sourceKilledAfterExportingTheClientResumesAtTheTargetWithItsState() throws Exception {
        try (ServerProcess target = ServerProcess.start(env("target"));
                ServerProcess source = ServerProcess.start(env("source"));
                FerryClient client = lazyClient(source)) {
            FerrySession s = client.connect();
            s.execute("SET k before-the-crash");
            AdminClient sourceAdmin = new AdminClient(source);
            sourceAdmin.post("/v1/migrate", "{\"count\":1,\"targets\":[\"" + target.address + "\"]}");
            // READY: the context is in Redis and MIGRATE is on its way; the client has not moved.
            await().atMost(Waits.STATE).until(() -> state(sourceAdmin.status(), "READY") == 1);

            source.kill();

            // The next command reads the MIGRATE the dead source left in the socket and resumes at the target.
            assertThat(s.execute("GET k").firstText()).isEqualTo("before-the-crash");
            assertThat(s.serverName()).isEqualTo("target");
            assertThat(s.migrations()).isEqualTo(1);
            JsonNode t = new AdminClient(target).status();
            assertThat(t.path("sessions").path("total").asLong()).isEqualTo(1);
            assertThat(state(t, "NONE")).isEqualTo(1);
        }
    }

    @Test
    void targetKilledBeforeTheResumeTheClientResumesAtTheNextTarget() throws Exception {
        try (ServerProcess second = ServerProcess.start(env("second"));
                ServerProcess first = ServerProcess.start(env("first"));
                ServerProcess source = ServerProcess.start(env("source"));
                FerryClient client = lazyClient(source)) {
            FerrySession s = client.connect();
            s.execute("SET k kept");
            AdminClient sourceAdmin = new AdminClient(source);
            sourceAdmin.post(
                    "/v1/migrate", "{\"count\":1,\"targets\":[\"" + first.address + "\",\"" + second.address + "\"]}");
            await().atMost(Waits.STATE).until(() -> state(sourceAdmin.status(), "READY") == 1);

            first.kill();

            assertThat(s.execute("GET k").firstText()).isEqualTo("kept");
            assertThat(s.serverName()).isEqualTo("second");
            assertThat(client.metrics().failedResumes())
                    .as("the refused attempt at the dead target")
                    .isGreaterThanOrEqualTo(1);
            // The source counts the move as completed once the client said GOODBYE(MOVED) or left.
            await().atMost(Waits.STATE)
                    .until(() -> sourceAdmin
                                    .status()
                                    .path("migrations")
                                    .path("completed")
                                    .asLong()
                            == 1);
            assertThat(sourceAdmin.status().path("sessions").path("total").asLong())
                    .isZero();
        }
    }

    @Test
    void targetKilledAfterItClaimedTheContextTheNextTargetTakesTheUnconfirmedClaimOver() throws Exception {
        // The first target reaches Redis through a trap that lets its claim run and kills it before the answer
        // arrives: the claim is in Redis, the client never got a WELCOME.
        try (ClaimTrap trap = new ClaimTrap(redis.port())) {
            Map<String, String> firstEnv = env("first");
            firstEnv.put("FERRY_STORE_URI", trap.uri());
            firstEnv.put("FERRY_CLAIM_CONFIRM_TIMEOUT", "1");
            try (ServerProcess second = ServerProcess.start(env("second"));
                    ServerProcess first = ServerProcess.start(firstEnv);
                    ServerProcess source = ServerProcess.start(env("source"));
                    FerryClient client = FerryClient.create(ClientOptions.builder()
                            .serviceAddress(source.address)
                            .readAhead(false)
                            .connectTimeout(Duration.ofSeconds(5))
                            .resumeBackoff(Duration.ofMillis(50))
                            .commandTimeout(Duration.ofSeconds(60))
                            .build())) {
                FerrySession s = client.connect();
                s.execute("SET k kept-through-the-crash");
                AdminClient sourceAdmin = new AdminClient(source);
                sourceAdmin.post(
                        "/v1/migrate",
                        "{\"count\":1,\"targets\":[\"" + first.address + "\",\"" + second.address + "\"]}");
                await().atMost(Waits.STATE).until(() -> state(sourceAdmin.status(), "READY") == 1);
                trap.arm(() -> {
                    try {
                        first.kill();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });

                // The next command reads MIGRATE and resumes at the first target, which claims and dies. The second
                // answers CLAIM_PENDING until the dead target's confirmation deadline (1 s) has passed, then takes
                // over.
                assertThat(s.execute("GET k").firstText()).isEqualTo("kept-through-the-crash");
                assertThat(trap.awaitSprung(Duration.ofSeconds(5)))
                        .as("the first target's claim ran before it died")
                        .isTrue();
                assertThat(s.serverName()).isEqualTo("second");
                assertThat(s.migrations()).isEqualTo(1);
                assertThat(client.metrics().sessionsLost()).isZero();
                JsonNode claims = new AdminClient(second).status().path("claims");
                assertThat(claims.path("takenOver").asLong()).isEqualTo(1);
                assertThat(claims.path("lost").asLong()).isZero();
                // And it is the second's for good: the next command runs there too.
                assertThat(s.execute("SET k after").firstText()).isNotNull();
                assertThat(s.execute("GET k").firstText()).isEqualTo("after");
                assertThat(s.serverName()).isEqualTo("second");
            }
        }
    }

    @Test
    void aHealthyTargetConfirmsItsClaimAndNobodyCanTakeTheSessionOverLater() throws Exception {
        Map<String, String> targetEnv = env("target");
        targetEnv.put("FERRY_CLAIM_CONFIRM_TIMEOUT", "1");
        try (ServerProcess target = ServerProcess.start(targetEnv);
                ServerProcess source = ServerProcess.start(env("source"));
                FerryClient client = lazyClient(source)) {
            FerrySession s = client.connect();
            s.execute("SET k v");
            AdminClient sourceAdmin = new AdminClient(source);
            sourceAdmin.post("/v1/migrate", "{\"count\":1,\"targets\":[\"" + target.address + "\"]}");
            await().atMost(Waits.STATE).until(() -> state(sourceAdmin.status(), "READY") == 1);
            assertThat(s.execute("GET k").firstText()).isEqualTo("v");
            assertThat(s.serverName()).isEqualTo("target");

            // Long past the deadline the claim is a plain (confirmed) tombstone: the target confirmed it.
            JsonNode claims = new AdminClient(target).status().path("claims");
            assertThat(claims.path("confirmFailures").asLong()).isZero();
            assertThat(claims.path("lost").asLong()).isZero();
            Object keys = redis.command("KEYS", "*" + s.sessionId() + "*");
            assertThat(keys)
                    .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                    .hasSize(1);
            String key = String.valueOf(((java.util.List<?>) keys).getFirst());
            assertThat(String.valueOf(redis.command("HGET", key, "claimant"))).isEqualTo("target");
            assertThat(String.valueOf(redis.command("HEXISTS", key, "confirm_by")))
                    .isEqualTo("0");
        }
    }

    @Test
    void redisKilledDuringADrainTheMigrationFailsCleanlyAndALaterDrainSucceeds() throws Exception {
        try (ServerProcess target = ServerProcess.start(env("target"));
                ServerProcess source = ServerProcess.start(env("source"));
                FerryClient client = FerryClient.create(
                        ClientOptions.builder().serviceAddress(source.address).build())) {
            FerrySession s = client.connect();
            s.execute("SET k survives");
            AdminClient sourceAdmin = new AdminClient(source);

            redis.kill();
            sourceAdmin.post("/v1/drain", "{\"targets\":[\"" + target.address + "\"],\"ratePerSecond\":0}");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> sourceAdmin
                                    .status()
                                    .path("migrations")
                                    .path("failed")
                                    .asLong()
                            >= 1);
            JsonNode failed = sourceAdmin.status();
            assertThat(failed.path("migrations").path("lastFailure").asText()).contains("could not export the context");
            assertThat(failed.path("serving").asBoolean())
                    .as("a draining server takes no new sessions")
                    .isFalse();
            // The session stays on the source and keeps working, state intact.
            assertThat(s.execute("GET k").firstText()).isEqualTo("survives");
            assertThat(s.serverName()).isEqualTo("source");
            assertThat(s.migrations()).isZero();
            sourceAdmin.delete("/v1/drain");

            redis.start(); // same port, empty: nothing of the session was there yet
            s.execute("SET k after-the-outage");
            sourceAdmin.post("/v1/drain", "{\"targets\":[\"" + target.address + "\"],\"ratePerSecond\":0}");
            await().atMost(Duration.ofSeconds(30)).until(() -> s.migrations() == 1);
            assertThat(s.execute("GET k").firstText()).isEqualTo("after-the-outage");
            assertThat(s.serverName()).isEqualTo("target");
            await().atMost(Waits.STATE)
                    .until(() ->
                            sourceAdmin.status().path("sessions").path("total").asLong() == 0);
        }
    }
}
