package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.ClientTlsOptions;
import dev.ferry.client.ConnectFailedException;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.client.Result;
import dev.ferry.client.ResultStream;
import dev.ferry.client.Row;
import dev.ferry.client.TlsHandshakeException;
import dev.ferry.server.FerryServer;
import dev.ferry.server.MigrationTimers;
import dev.ferry.server.ServerOptions;
import dev.ferry.server.admin.AdminOptions;
import dev.ferry.server.admin.AdminServer;
import dev.ferry.server.tls.TlsOptions;
import dev.ferry.store.ContextStore;
import dev.ferry.store.ContextStoreOptions;
import dev.ferry.store.ContextStores;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.TestPki;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Everything with TLS on: two servers with TLS on their client and admin ports, sharing a
 * redis-server that speaks TLS only and wants a password; clients that trust the test CA, and
 * some that do not.
 */
class FleetTlsTest {
    static TestPki pki;
    static TestPki otherPki;
    static RedisServer redis;

    private final List<FerryClient> clients = new ArrayList<>();
    private final List<ContextStore> stores = new ArrayList<>();
    private final List<FerryServer> servers = new ArrayList<>();
    private final List<AdminServer> admins = new ArrayList<>();

    @BeforeAll
    static void pkiAndRedis() {
        pki = TestPki.create();
        otherPki = TestPki.create("Some Other CA");
        redis = RedisServer.builder().tls(pki).start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
        pki.close();
        otherPki.close();
    }

    @BeforeEach
    void fleet() {
        TestPki.Issued cert = pki.server("pod", "127.0.0.1");
        TlsOptions tls = TlsOptions.of(cert.certPem(), cert.keyPem());
        for (int i = 0; i < 2; i++) {
            ContextStore store = ContextStores.open(
                    redis.uri(),
                    ContextStoreOptions.builder()
                            .trustCaPem(pki.caPem())
                            .commandTimeout(Duration.ofSeconds(2))
                            .build());
            stores.add(store);
            String name = "pod-" + i;
            FerryServer server = FerryServer.start(ServerOptions.builder()
                    .serverName(name)
                    .timers(MigrationTimers.ofSeconds(30, 60))
                    .storeTimeout(Duration.ofSeconds(2))
                    .contextStore(store)
                    .handler(new ReferenceHandler(name))
                    .ioThreads(1)
                    .tls(tls)
                    .build());
            servers.add(server);
            admins.add(AdminServer.start(
                    AdminOptions.builder().insecureNoAuth().tls(tls).build(), server, store));
        }
    }

    @AfterEach
    void stop() {
        clients.forEach(FerryClient::close);
        admins.forEach(AdminServer::close);
        servers.forEach(FerryServer::close);
        stores.forEach(ContextStore::close);
    }

    private String address(int i) {
        return servers.get(i).advertisedAddress();
    }

    private FerryClient client(ClientTlsOptions tls) {
        FerryClient c = FerryClient.create(ClientOptions.builder()
                .serviceAddress(address(0))
                .connectTimeout(Duration.ofSeconds(3))
                .tls(tls)
                .build());
        clients.add(c);
        return c;
    }

    @Test
    void sessionMigratesIdleAndInBatchOverTls() {
        FerryClient client = client(ClientTlsOptions.trusting(pki.caPem()));
        try (FerrySession s = client.connect()) {
            s.execute("SET colour blue");
            assertThat(s.serverName()).isEqualTo("pod-0");

            // Idle: read-ahead client moves to pod-1 on its own, its context through TLS Redis.
            servers.get(0).migrate(1, List.of(address(1)));
            await().atMost(Duration.ofSeconds(10)).until(() -> s.migrations() == 1);
            assertThat(s.serverName()).isEqualTo("pod-1");
            assertThat(s.execute("GET colour").firstText()).isEqualTo("blue");

            // In-batch: a stream interrupted by a migration back to pod-0 arrives whole.
            ResultStream stream = s.submit("STREAM 2000 1");
            List<Long> seen = new ArrayList<>();
            while (seen.size() < 50 && stream.hasNext())
                seen.add(Long.parseLong(stream.next().text()));
            servers.get(1).migrate(1, List.of(address(0)));
            while (stream.hasNext()) {
                Row row = stream.next();
                assertThat(row.seq()).isEqualTo(seen.size());
                seen.add(Long.parseLong(row.text()));
            }
            Result result = stream.await();
            assertThat(result.rowCount()).isEqualTo(2000);
            assertThat(seen)
                    .containsExactlyElementsOf(LongStream.range(0, 2000).boxed().toList());
            assertThat(s.migrations()).isEqualTo(2);
            assertThat(s.serverName()).isEqualTo("pod-0");
            assertThat(client.metrics().duplicateRows()).isZero();
            assertThat(client.metrics().seqGaps()).isZero();
            assertThat(servers.get(0).metrics().migrationsFailed()).isZero();
            assertThat(servers.get(1).metrics().migrationsFailed()).isZero();
        }
    }

    @Test
    void clientThatDoesNotTrustTheCaIsRefusedWithATlsError() {
        FerryClient client = client(ClientTlsOptions.trusting(otherPki.caPem()));
        assertThatThrownBy(client::connect)
                .isInstanceOf(ConnectFailedException.class)
                .hasMessageContaining("TLS")
                .hasRootCauseInstanceOf(java.security.cert.CertPathBuilderException.class)
                .satisfies(e -> assertThat(causeChain(e)).anyMatch(TlsHandshakeException.class::isInstance));
        assertThat(servers.get(0).sessionCount()).isZero();
    }

    private static List<Throwable> causeChain(Throwable e) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) chain.add(t);
        return chain;
    }

    @Test
    void aServerNameIsCheckedInsteadOfTheDialedAddress() {
        // The certificate names DNS:localhost (and 127.0.0.1); the client dials 127.0.0.1 but requires "localhost".
        FerrySession session = client(ClientTlsOptions.builder()
                        .trustCaPem(pki.caPem())
                        .serverName("localhost")
                        .build())
                .connect();
        assertThat(session.execute("PING").firstText()).isEqualTo("PONG");
        FerryClient wrong = client(ClientTlsOptions.builder()
                .trustCaPem(pki.caPem())
                .serverName("fleet.ns.svc")
                .build());
        assertThatThrownBy(wrong::connect)
                .isInstanceOf(ConnectFailedException.class)
                .hasMessageContaining("TLS");
        assertThatThrownBy(() -> ClientTlsOptions.builder().serverName("host:7000"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DNS name");
    }

    @Test
    void certificateThatDoesNotNameTheAddressIsRefused() {
        // The server's certificate names 127.0.0.1 and localhost, not 127.0.0.2: hostname
        // verification is on by default, so the same CA is not enough.
        TestPki.Issued elsewhere = pki.server("elsewhere", "127.0.0.2");
        ContextStore memory = new dev.ferry.store.InMemoryContextStore();
        stores.add(memory);
        FerryServer wrongName = FerryServer.start(ServerOptions.builder()
                .serverName("wrong-name")
                .contextStore(memory)
                .handler(new ReferenceHandler("wrong-name"))
                .ioThreads(1)
                .tls(TlsOptions.of(elsewhere.certPem(), elsewhere.keyPem()))
                .build());
        servers.add(wrongName);
        FerryClient client = FerryClient.create(ClientOptions.builder()
                .serviceAddress(wrongName.advertisedAddress())
                .tls(ClientTlsOptions.trusting(pki.caPem()))
                .build());
        clients.add(client);
        assertThatThrownBy(client::connect)
                .isInstanceOf(ConnectFailedException.class)
                .hasMessageContaining("TLS")
                .hasMessageContaining("127.0.0.1");
    }

    @Test
    void plainClientAgainstTheTlsPortFailsCleanlyAndTheServerKeepsServing() {
        FerryClient plain = client(null);
        assertThatThrownBy(plain::connect)
                .isInstanceOf(ConnectFailedException.class)
                .hasMessageContaining("closed before WELCOME");
        // The refusal is counted, and the port still serves TLS clients.
        await().atMost(Duration.ofSeconds(5))
                .until(() -> servers.get(0).scrapeMetrics().contains("code=\"TLS\""));
        try (FerrySession s = client(ClientTlsOptions.trusting(pki.caPem())).connect()) {
            assertThat(s.execute("PING").firstText()).isEqualTo("PONG");
        }
    }

    @Test
    void readinessOverHttpsReportsTheTlsStoreUp() throws IOException, InterruptedException {
        var admin = admins.get(0).localAddress();
        URI ready = URI.create("https://127.0.0.1:" + admin.getPort() + "/healthz/ready");
        try (HttpClient http = HttpClient.newBuilder()
                .sslContext(pki.trustingContext())
                .connectTimeout(Duration.ofSeconds(3))
                .build()) {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"store\":\"UP\"");
        }
        // Plain HTTP on the HTTPS port gets no answer.
        try (HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()) {
            URI plain = URI.create("http://127.0.0.1:" + admin.getPort() + "/healthz/ready");
            assertThatThrownBy(() -> http.send(
                            HttpRequest.newBuilder(plain)
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
        }
        // A client that does not trust the CA cannot talk to it either.
        try (HttpClient http =
                HttpClient.newBuilder().sslContext(otherPki.trustingContext()).build()) {
            assertThatThrownBy(() -> http.send(
                            HttpRequest.newBuilder(ready)
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
        }
    }
}
