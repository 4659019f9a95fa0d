package dev.ferry.operator.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.ferry.operator.cluster.Fleets;
import dev.ferry.operator.model.ServerFleet;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The poller against a real HTTP admin endpoint on loopback. */
class PodAdminStatusSourceTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final AtomicLong sessions = new AtomicLong(5);
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicBoolean busy = new AtomicBoolean(true);
    private final AtomicBoolean autoscaled = new AtomicBoolean(false);
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private ServerFleet fleet;
    private PodAdminStatusSource source;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/status", exchange -> {
            requests.incrementAndGet();
            byte[] body = ("{\"sessions\":{\"total\":" + sessions.get() + ",\"byState\":{}},\"serving\":true,"
                            + "\"migrations\":{\"requested\":0,\"completed\":0,\"failed\":0,\"handedOff\":0},\"peers\":[]}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        fleet = Fleets.valid("f", 1);
        fleet.getMetadata().setNamespace("ns");
        fleet.getMetadata().setUid("uid-f");
        fleet.getSpec().setAdminPort(server.getAddress().getPort());
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName("f-a")
                .endMetadata()
                .withNewStatus()
                .withPhase("Running")
                .withPodIP("127.0.0.1")
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .endStatus()
                .build();
        source = new PodAdminStatusSource(
                new PodAdminStatusSource.Fleets() {
                    @Override
                    public List<Pod> pods(ResourceID id) {
                        return List.of(pod);
                    }

                    @Override
                    public Optional<PodAdminClient> admin(ResourceID id) {
                        return Optional.of(
                                new PodAdminClient("token", fleet.getSpec().getAdminPort()));
                    }

                    @Override
                    public boolean busy(ResourceID id) {
                        return busy.get();
                    }

                    @Override
                    public boolean autoscaled(ResourceID id) {
                        return autoscaled.get();
                    }
                },
                Clock.systemUTC());
        source.setEventHandler(events::add);
        source.start();
    }

    @AfterEach
    void stop() {
        source.stop();
        server.stop(0);
    }

    @Test
    void aBusyFleetIsPolledAgainAndAgainAndAChangedAnswerTriggersAReconciliation() {
        source.onResourceCreated(fleet);

        await("three polls of a busy fleet").atMost(WAIT).until(() -> requests.get() >= 3);
        assertThat(PodAdminStatusSource.statuses(source.getSecondaryResources(fleet)))
                .containsKey("f-a");
        int eventsBefore = events.size();
        assertThat(eventsBefore).as("only the first answer was news").isEqualTo(1);

        sessions.set(0);
        await("a reconciliation for the changed answer").atMost(WAIT).until(() -> events.size() > eventsBefore);
        assertThat(PodAdminStatusSource.statuses(source.getSecondaryResources(fleet))
                        .get("f-a")
                        .sessions())
                .isZero();
    }

    @Test
    void pollSoonPollsBeforeTheSteadyPeriodAndADeletedFleetIsNotPolledAgain() {
        busy.set(false);
        source.onResourceCreated(fleet);
        await("the first poll").atMost(WAIT).until(() -> requests.get() >= 1);
        int afterFirst = requests.get();

        source.pollSoon(fleet);
        await("a poll long before the steady period")
                .atMost(PodAdminStatusSource.STEADY_PERIOD.dividedBy(2))
                .until(() -> requests.get() > afterFirst);

        source.onResourceDeleted(fleet);
        assertThat(source.tracks(ResourceID.fromResource(fleet))).isFalse();
    }

    @Test
    void thePeriodFollowsWhatTheFleetIsDoing() {
        ResourceID id = ResourceID.fromResource(fleet);
        busy.set(true);
        autoscaled.set(true);
        assertThat(source.period(id)).isEqualTo(PodAdminStatusSource.BUSY_PERIOD);
        busy.set(false);
        assertThat(source.period(id)).isEqualTo(PodAdminStatusSource.AUTOSCALED_PERIOD);
        autoscaled.set(false);
        assertThat(source.period(id)).isEqualTo(PodAdminStatusSource.STEADY_PERIOD);
    }

    @Test
    void aSettledFleetThatAutoscalesIsPolledWithinTheAutoscaledPeriod() {
        busy.set(false);
        autoscaled.set(true);
        source.onResourceCreated(fleet);
        await("the first poll").atMost(WAIT).until(() -> requests.get() >= 1);
        int afterFirst = requests.get();

        // Between the autoscaled period (5 s) and the steady one (15 s), with room for a loaded machine.
        await("the next poll of an autoscaled fleet")
                .atMost(PodAdminStatusSource.STEADY_PERIOD.minusSeconds(3))
                .until(() -> requests.get() > afterFirst);
    }

    @Test
    void aReadyPodThatDoesNotAnswerIsAFailure() {
        server.stop(0);
        source.onResourceCreated(fleet);

        await("a failed poll")
                .atMost(WAIT)
                .until(() -> !source.getSecondaryResources(fleet).isEmpty());
        assertThat(PodAdminStatusSource.failures(source.getSecondaryResources(fleet)))
                .singleElement()
                .asString()
                .startsWith("f-a: status: ");
    }
}
