package dev.ferry.bench.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.client.Row;
import dev.ferry.reference.ReferenceHandler;
import dev.ferry.server.FerryServer;
import dev.ferry.server.ServerOptions;
import dev.ferry.store.InMemoryContextStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The benchmark's handler: the reference commands unchanged, STREAMFROM from a position, and every move decision recorded. */
class BenchHandlerTest {
    @Test
    void streamFromSendsTheRowsFromItsFirstPositionWithThePositionAsPayload() {
        MoveDecisions decisions = new MoveDecisions();
        try (InMemoryContextStore store = new InMemoryContextStore();
                FerryServer server = FerryServer.start(ServerOptions.builder()
                        .serverName("pod")
                        .contextStore(store)
                        .handler(new BenchHandler(new ReferenceHandler("pod"), decisions))
                        .build());
                FerryClient client = FerryClient.create(ClientOptions.builder()
                        .serviceAddress(server.advertisedAddress())
                        .build());
                FerrySession s = client.connect()) {
            List<String> rows = new ArrayList<>();
            for (Row r : s.execute("STREAMFROM 7 3 1").rows()) rows.add(r.seq() + "=" + r.text());
            assertThat(rows).containsExactly("0=7", "1=8", "2=9");
            assertThat(s.execute("PING").firstText()).isEqualTo("PONG"); // the reference commands pass through
            assertThat(s.execute("STREAM 2").rows()).extracting(Row::text).containsExactly("0", "1");
        }
    }

    @Test
    void aDecisionIsKeptOncePerSessionAndHandedOutOnce() {
        MoveDecisions d = new MoveDecisions();
        d.requested("a", 10);
        d.requested("a", 20); // asked again after a failure: the first decision stands
        d.requested("b", 15);

        assertThat(d.drain()).isEqualTo(Map.of("a", 10L, "b", 15L));
        assertThat(d.drain()).isEmpty();
    }
}
