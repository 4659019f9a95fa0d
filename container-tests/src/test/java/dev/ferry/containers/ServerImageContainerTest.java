package dev.ferry.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectImageResponse;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerryException;
import dev.ferry.client.FerrySession;
import dev.ferry.client.Result;
import dev.ferry.client.ResultStream;
import dev.ferry.client.Row;
import dev.ferry.client.SessionLostException;
import dev.ferry.testkit.Waits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * The reference server's OCI image, run as containers on Podman (host networking, each container on
 * its own loopback port) with a Redis container as the context store, driven through the Java
 * client: what a cluster does to pods, done to containers.
 */
@ExtendWith(ContainerTier.class)
@Timeout(300)
class ServerImageContainerTest {
    private static final Logger log = LoggerFactory.getLogger(ServerImageContainerTest.class);
    private static final List<Duration> startToReady = new CopyOnWriteArrayList<>();
    private static final List<String> A_B_C = List.of("server-a", "server-b", "server-c");

    private static Fleet fleet(String test, List<String> names, Map<String, List<String>> peers) {
        Fleet f = new Fleet(test, names, peers);
        f.servers.forEach(s -> startToReady.add(s.startToReady));
        return f;
    }

    @AfterAll
    static void summary() {
        if (startToReady.isEmpty()) return;
        List<Long> ms = startToReady.stream().map(Duration::toMillis).sorted().toList();
        log.info(
                "SUMMARY server container start-to-ready over {} starts: min {} ms, median {} ms, max {} ms",
                ms.size(),
                ms.getFirst(),
                ms.get(ms.size() / 2),
                ms.getLast());
        assertThat(Containers.count())
                .as("containers still running after the suite")
                .isZero();
    }

    @Test
    void imageRunsAsNonRootWithoutAShellAndServesHealthOnItsAdminPort() throws Exception {
        try (Fleet fleet = fleet("image", List.of("server-a"), Map.of())) {
            ServerContainer a = fleet.server("server-a");
            DockerClient docker = DockerClientFactory.instance().client();
            InspectImageResponse image =
                    docker.inspectImageCmd(ContainerTier.serverImage()).exec();
            log.info(
                    "SUMMARY image {}: {} MB, entrypoint {}",
                    ContainerTier.serverImage(),
                    String.format("%.1f", image.getSize() / 1e6),
                    image.getConfig().getEntrypoint());
            assertThat(image.getConfig().getUser()).isEqualTo("65532:65532");
            assertThat(image.getConfig().getEntrypoint()[0]).isEqualTo("java");
            assertThat(image.getConfig().getEntrypoint())
                    .contains("-XX:+ExitOnOutOfMemoryError")
                    .anyMatch(f -> f.startsWith("-XX:MaxRAMPercentage="));

            // The JVM really runs as 65532 (read from the host's /proc: the image has no `id`).
            long pid = docker.inspectContainerCmd(a.containerId())
                    .exec()
                    .getState()
                    .getPidLong();
            assertThat(Files.readAllLines(Path.of("/proc/" + pid + "/status")))
                    .filteredOn(l -> l.startsWith("Uid:"))
                    .singleElement()
                    .asString()
                    .matches("Uid:\\s+65532\\s+65532\\s+65532\\s+65532");

            // No shell at run time: nothing to exec into but java.
            boolean shellRan;
            try {
                shellRan = a.container.execInContainer("/bin/sh", "-c", "true").getExitCode() == 0;
            } catch (Exception e) {
                shellRan = false;
            }
            assertThat(shellRan).as("/bin/sh ran inside the server container").isFalse();

            // Health and readiness on the admin port without a token; everything else needs one.
            assertThat(a.status("/healthz/live")).isEqualTo(200);
            assertThat(a.status("/healthz/ready")).isEqualTo(200);
            assertThat(a.status("/metrics")).isEqualTo(200);
            assertThat(a.status("/v1/status")).isEqualTo(401);
            assertThat(a.get("/v1/status").path("name").asText()).isEqualTo("server-a");
            // Bound to loopback only, as the test asked (the image's own default is 0.0.0.0 for a pod).
            assertThat(a.logText())
                    .contains("FERRY READY name=server-a address=127.0.0.1:" + a.port + " admin=127.0.0.1:"
                            + a.adminPort);
        }
    }

    @Test
    void idleAndInBatchMigrationBetweenContainers() {
        try (Fleet fleet = fleet("migration", A_B_C, Map.of())) {
            ServerContainer a = fleet.server("server-a");
            ServerContainer b = fleet.server("server-b");
            ServerContainer c = fleet.server("server-c");
            FerryClient client = fleet.client("server-a");
            try (FerrySession idle = client.connect();
                    FerrySession busy = client.connect()) {
                idle.execute("SET colour blue");
                idle.execute("INCR n");
                assertThat(idle.serverName()).isEqualTo("server-a");

                // Idle: the session moves on its own (read-ahead) from container a to container b.
                a.migrate(List.of(idle.sessionId().toString()), List.of(b.address()));
                await().atMost(Duration.ofSeconds(20)).until(() -> idle.migrations() == 1);
                assertThat(idle.serverName()).isEqualTo("server-b");
                assertThat(idle.execute("GET colour").firstText()).isEqualTo("blue");
                assertThat(idle.execute("INCR n").firstText()).isEqualTo("2");
                assertThat(idle.execute("WHOAMI").firstText()).isEqualTo("pod=server-b session=" + idle.sessionId());

                // In-batch: a stream moves from container a to container c between two rows.
                ResultStream stream = busy.submit("STREAM 3000 1");
                List<Long> seen = new ArrayList<>();
                while (seen.size() < 50 && stream.hasNext())
                    seen.add(Long.parseLong(stream.next().text()));
                a.migrate(List.of(busy.sessionId().toString()), List.of(c.address()));
                while (stream.hasNext()) {
                    Row row = stream.next();
                    assertThat(row.seq()).isEqualTo(seen.size());
                    seen.add(Long.parseLong(row.text()));
                }
                Result result = stream.await();
                assertThat(result.rowCount()).isEqualTo(3000);
                assertThat(seen)
                        .containsExactlyElementsOf(
                                LongStream.range(0, 3000).boxed().toList());
                assertThat(busy.migrations()).isEqualTo(1);
                assertThat(busy.serverName()).isEqualTo("server-c");
                assertThat(client.metrics().duplicateRows()).isZero();
                assertThat(client.metrics().seqGaps()).isZero();

                await().atMost(Waits.STATE)
                        .until(() -> a.sessionCount() == 0 && b.sessionCount() == 1 && c.sessionCount() == 1);
                log.info(
                        "idle session moved a -> b, streaming session moved a -> c after row {} of 3000, no gap, no duplicate",
                        50);
            }
        }
    }

    @Test
    void sigtermOnAServerContainerDrainsItsSessionsToItsPeers() {
        try (Fleet fleet = fleet("sigterm", A_B_C, Map.of("server-a", List.of("server-b", "server-c")))) {
            ServerContainer a = fleet.server("server-a");
            ServerContainer b = fleet.server("server-b");
            ServerContainer c = fleet.server("server-c");
            FerryClient client = fleet.client("server-a");
            List<FerrySession> sessions = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                FerrySession s = client.connect();
                s.execute("SET n " + i);
                sessions.add(s);
            }
            FerrySession streaming = client.connect();
            ResultStream stream = streaming.submit("STREAM 2000 2");
            List<Long> seen = new ArrayList<>();
            while (seen.size() < 20 && stream.hasNext())
                seen.add(Long.parseLong(stream.next().text()));

            long exit = a.sigterm(Duration.ofSeconds(45));
            assertThat(exit).as("exit code after SIGTERM").isIn(0L, 143L);
            // The container's output reaches the test through a log stream that can lag the container's exit.
            await().atMost(Waits.STATE)
                    .untilAsserted(() -> assertThat(a.logText()).contains("draining 21 sessions"));

            while (stream.hasNext()) seen.add(Long.parseLong(stream.next().text()));
            assertThat(stream.await().rowCount()).isEqualTo(2000);
            assertThat(seen)
                    .containsExactlyElementsOf(LongStream.range(0, 2000).boxed().toList());
            await().atMost(Waits.STATE).until(() -> sessions.stream().allMatch(s -> s.migrations() == 1));
            for (int i = 0; i < sessions.size(); i++) {
                assertThat(sessions.get(i).execute("GET n").firstText()).isEqualTo(Integer.toString(i));
                assertThat(sessions.get(i).serverName()).isIn("server-b", "server-c");
            }
            assertThat(streaming.serverName()).isIn("server-b", "server-c");
            await().atMost(Waits.STATE).until(() -> b.sessionCount() + c.sessionCount() == 21);
            assertThat(client.metrics().sessionsLost()).isZero();
            log.info(
                    "SIGTERM drained 21 sessions from server-a: {} to server-b, {} to server-c",
                    b.sessionCount(),
                    c.sessionCount());
        }
    }

    @Test
    void aServerContainerKilledHardMidStreamLosesOnlyItsSessionsAndTheClientGetsAClearError() {
        try (Fleet fleet = fleet("kill", List.of("server-a", "server-b"), Map.of())) {
            ServerContainer a = fleet.server("server-a");
            ServerContainer b = fleet.server("server-b");
            FerrySession onB = fleet.client("server-b").connect();
            onB.execute("SET k kept");
            FerryClient client = fleet.client("server-a");
            FerrySession s = client.connect();
            s.execute("SET k gone");
            ResultStream stream = s.submit("STREAM 1000000 2");
            List<Row> rows = new ArrayList<>();
            while (rows.size() < 20 && stream.hasNext()) rows.add(stream.next());

            a.killHard();

            // No write-through yet: the killed server's sessions are lost. The client must say so
            // clearly, and every row it did deliver must be the right one, in order, once.
            assertThatThrownBy(() -> {
                        while (stream.hasNext()) rows.add(stream.next());
                        stream.await();
                    })
                    .isInstanceOf(SessionLostException.class)
                    .hasMessageContaining(s.sessionId().toString())
                    .hasMessageContaining("server-a")
                    .hasMessageContaining("closed");
            for (int i = 0; i < rows.size(); i++) {
                assertThat(rows.get(i).seq()).isEqualTo(i);
                assertThat(rows.get(i).text()).isEqualTo(Integer.toString(i));
            }
            assertThatThrownBy(() -> s.execute("GET k")).isInstanceOf(SessionLostException.class);
            assertThat(s.isOpen()).isFalse();
            assertThat(client.metrics().sessionsLost()).isEqualTo(1);
            log.info(
                    "hard kill after {} rows: client got SessionLostException; rows before it were exact", rows.size());

            // Nothing else is lost: the other container's session and new sessions there work.
            assertThat(onB.execute("GET k").firstText()).isEqualTo("kept");
            assertThat(b.status("/healthz/ready")).isEqualTo(200);
            try (FerrySession fresh = fleet.client("server-b").connect()) {
                assertThat(fresh.execute("GET k").rows()).isEmpty();
            }
        }
    }

    @Test
    void redisRestartedMidMigrationLeavesNoSessionHalfMoved() {
        try (Fleet fleet = fleet("redis-restart", A_B_C, Map.of())) {
            ServerContainer a = fleet.server("server-a");
            ServerContainer b = fleet.server("server-b");
            ServerContainer c = fleet.server("server-c");
            FerryClient client = fleet.client("server-a");
            List<FerrySession> sessions = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                FerrySession s = client.connect();
                s.execute("SET n " + i);
                sessions.add(s);
            }

            a.drain(List.of(b.address()), 10); // 40 sessions at 10/s: the restart lands mid-drain
            await().atMost(Duration.ofSeconds(20)).until(() -> b.sessionCount() >= 5);
            long movedBefore = b.sessionCount();
            long notYetAsked =
                    a.get("/v1/drain").path("drain").path("notYetRequested").asLong(-1);
            assertThat(notYetAsked)
                    .as("sessions the drain has yet to ask when Redis restarts")
                    .isPositive();
            fleet.redis.restart();

            // Settled: the drain is over and every session the client still has open is held by
            // exactly one server — none counted twice, none held by nobody.
            await().atMost(Duration.ofSeconds(90))
                    .during(Duration.ofSeconds(1))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() ->
                            a.get("/v1/drain").path("drain").path("finished").asBoolean(false)
                                    && a.sessionCount() + b.sessionCount()
                                            == sessions.stream()
                                                    .filter(FerrySession::isOpen)
                                                    .count());

            // A store outage fails a migration cleanly: the session stays where it is and keeps working.
            // A claim whose answer was lost is repeated by the same server, so no session may end here.
            int stayed = 0, moved = 0;
            List<String> lost = new ArrayList<>();
            for (int i = 0; i < sessions.size(); i++) {
                FerrySession s = sessions.get(i);
                try {
                    assertThat(s.execute("GET n").firstText())
                            .as("session %d's variable", i)
                            .isEqualTo(Integer.toString(i));
                    assertThat(s.execute("WHOAMI").firstText())
                            .isEqualTo("pod=" + s.serverName() + " session=" + s.sessionId());
                    if (s.serverName().equals("server-a")) stayed++;
                    else moved++;
                } catch (FerryException e) {
                    lost.add("session " + i + " (" + s.sessionId() + "): "
                            + e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            }
            long held = a.sessionCount() + b.sessionCount();
            log.info(
                    "server-a drain {}, migrations {}, sessions by state {}",
                    a.get("/v1/drain").path("drain"),
                    a.get("/v1/status").path("migrations"),
                    a.get("/v1/sessions").path("byState"));
            log.info(
                    "redis restart mid-drain: {} moved before the restart, {} not yet asked; at the end {} on server-a, {} on server-b, "
                            + "{} lost; servers hold {}",
                    movedBefore,
                    notYetAsked,
                    stayed,
                    moved,
                    lost.size(),
                    held);
            assertThat(lost)
                    .as("sessions lost to a Redis restart (each should have stayed or moved)")
                    .isEmpty();
            assertThat(stayed + moved).isEqualTo(sessions.size());
            assertThat(held)
                    .as("sessions the servers hold vs. sessions that answered")
                    .isEqualTo(sessions.size());
            assertThat(moved).isGreaterThanOrEqualTo((int) movedBefore);

            // The store is back for everyone: a new migration works after the restart.
            FerrySession fresh = fleet.client("server-b").connect();
            fresh.execute("SET after restart");
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        if (fresh.migrations() == 0)
                            b.migrate(List.of(fresh.sessionId().toString()), List.of(c.address()));
                        return fresh.migrations() == 1;
                    });
            assertThat(fresh.execute("GET after").firstText()).isEqualTo("restart");
            assertThat(fresh.serverName()).isEqualTo("server-c");
        }
    }
}
