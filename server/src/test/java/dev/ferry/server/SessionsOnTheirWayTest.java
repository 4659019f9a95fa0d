package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.SessionId;
import dev.ferry.store.InMemoryContextStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** The drain's count of sessions on their way, on a clock that moves only when told. */
class SessionsOnTheirWayTest {
    private static final long SECOND = 1_000_000_000L;
    private final ServerRuntime rt = new ServerRuntime(
            ServerOptions.builder()
                    .handler(new CountingHandler())
                    .contextStore(new InMemoryContextStore())
                    .build(),
            new ServerMetrics(new SimpleMeterRegistry()),
            new ManualExecutor());

    private ServerSession session(long n) {
        return new ServerSession(
                rt, new EmbeddedChannel(), new SessionId(n, n), new byte[32], new SessionContext(), false);
    }

    @Test
    void eachCountsForItsTimeAfterItWasAskedOrUntilItArrives() {
        SessionsOnTheirWay onTheirWay = new SessionsOnTheirWay(SECOND);
        ServerSession a = session(1), b = session(2), c = session(3);
        onTheirWay.asked(a, 0);
        onTheirWay.asked(b, SECOND / 2);
        onTheirWay.asked(c, SECOND / 2);
        assertThat(onTheirWay.count(SECOND)).isEqualTo(3);
        assertThat(onTheirWay.nanosUntilOldestStops(SECOND)).isEqualTo(1);

        assertThat(onTheirWay.count(SECOND + 1)).as("a has had its second").isEqualTo(2);
        onTheirWay.arrived(b);
        assertThat(onTheirWay.count(SECOND + 1)).isEqualTo(1);
        assertThat(onTheirWay.nanosUntilOldestStops(SECOND + 1)).isEqualTo(SECOND / 2);
    }

    @Test
    void aSessionAskedAgainCountsFromItsLatestAsk() {
        SessionsOnTheirWay onTheirWay = new SessionsOnTheirWay(SECOND);
        ServerSession a = session(1), b = session(2);
        onTheirWay.asked(a, 0);
        onTheirWay.asked(b, 10);
        onTheirWay.asked(a, 20);
        assertThat(onTheirWay.count(SECOND + 15))
                .as("b's second is up, a's is not")
                .isEqualTo(1);
        assertThat(onTheirWay.nanosUntilOldestStops(SECOND + 15)).isEqualTo(6);
    }
}
