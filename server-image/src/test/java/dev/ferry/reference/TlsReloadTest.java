package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.ClientTlsOptions;
import dev.ferry.client.ConnectFailedException;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import dev.ferry.server.FerryServer;
import dev.ferry.server.ServerOptions;
import dev.ferry.server.tls.TlsOptions;
import dev.ferry.store.InMemoryContextStore;
import dev.ferry.testkit.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A renewed certificate reaches new connections without a restart. The files are replaced the way
 * the kubelet updates a Secret volume: a new timestamped directory with both files, then the
 * {@code ..data} symlink swapped to it in one rename, and {@code tls.crt}/{@code tls.key} are links
 * through {@code ..data}.
 */
class TlsReloadTest {
    @TempDir
    Path volume;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private TestPki before;
    private TestPki after;
    private FerryServer server;
    private int generation;

    @BeforeEach
    void serverWithTheFirstCertificate() throws IOException {
        before = TestPki.create("CA before the renewal");
        after = TestPki.create("CA after the renewal");
        publish(before.server("pod", "127.0.0.1"));
        Files.createSymbolicLink(volume.resolve("tls.crt"), Path.of("..data/tls.crt"));
        Files.createSymbolicLink(volume.resolve("tls.key"), Path.of("..data/tls.key"));
        InMemoryContextStore store = new InMemoryContextStore();
        closeables.add(store);
        server = FerryServer.start(ServerOptions.builder()
                .serverName("pod")
                .contextStore(store)
                .handler(new ReferenceHandler("pod"))
                .ioThreads(1)
                .tls(TlsOptions.of(volume.resolve("tls.crt"), volume.resolve("tls.key"))
                        .withReloadCheckInterval(Duration.ZERO))
                .build());
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables.reversed()) c.close();
        if (server != null) server.close();
        before.close();
        after.close();
    }

    /** Writes a new generation of the volume and swaps {@code ..data} to it atomically. */
    private void publish(TestPki.Issued cert) throws IOException {
        publish(cert.certPem(), cert.keyPem());
    }

    private void publish(Path certPem, Path keyPem) throws IOException {
        Path dir = Files.createDirectory(volume.resolve("..gen-" + generation++));
        Files.copy(certPem, dir.resolve("tls.crt"));
        Files.copy(keyPem, dir.resolve("tls.key"));
        Path link = volume.resolve("..data_tmp");
        Files.createSymbolicLink(link, volume.relativize(dir));
        Files.move(link, volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private FerryClient client(TestPki trusted) {
        FerryClient c = FerryClient.create(ClientOptions.builder()
                .serviceAddress(server.advertisedAddress())
                .connectTimeout(Duration.ofSeconds(3))
                .resumeAttempts(1)
                .tls(ClientTlsOptions.trusting(trusted.caPem()))
                .build());
        closeables.add(c);
        return c;
    }

    @Test
    void aRenewedCertificateServesNewConnectionsAndOpenOnesKeepWorking() throws IOException {
        FerrySession old = client(before).connect();
        assertThat(old.execute("SET k v").firstText()).isNotNull();

        publish(after.server("pod", "127.0.0.1"));

        // The next connection gets the new certificate: a client trusting only the old CA is refused now.
        FerrySession renewed = client(after).connect();
        assertThat(renewed.execute("PING").firstText()).isEqualTo("PONG");
        assertThatThrownBy(() -> client(before).connect())
                .isInstanceOf(ConnectFailedException.class)
                .hasMessageContaining("TLS");
        assertThat(server.tls().orElseThrow().reloads()).isEqualTo(1);
        // The session opened before the renewal goes on over its own connection.
        assertThat(old.execute("GET k").firstText()).isEqualTo("v");
    }

    @Test
    void filesThatDoNotMakeACertificateAreReportedAndThePreviousOneStays() throws IOException {
        // A certificate with someone else's key: no usable context.
        TestPki.Issued cert = after.server("pod", "127.0.0.1");
        TestPki.Issued otherKey = after.server("other", "127.0.0.1");
        publish(cert.certPem(), otherKey.keyPem());

        assertThat(client(before).connect().execute("PING").firstText()).isEqualTo("PONG");
        assertThat(server.tls().orElseThrow().reloads()).isZero();
        assertThat(server.tls().orElseThrow().lastReloadFailure()).contains("cannot load the TLS certificate");

        // Fixed files are picked up on the next connection.
        publish(cert);
        assertThat(client(after).connect().execute("PING").firstText()).isEqualTo("PONG");
        assertThat(server.tls().orElseThrow().reloads()).isEqualTo(1);
        assertThat(server.tls().orElseThrow().lastReloadFailure()).isNull();
    }

    @Test
    void aKeyThatDoesNotBelongToTheCertificateIsRefusedAtStartWithWhatToFix() {
        TestPki.Issued cert = after.server("pod", "127.0.0.1");
        TestPki.Issued other = after.server("other", "127.0.0.1");
        assertThatThrownBy(() -> FerryServer.start(ServerOptions.builder()
                        .serverName("mismatch")
                        .contextStore(new InMemoryContextStore())
                        .handler(new ReferenceHandler("mismatch"))
                        .ioThreads(1)
                        .tls(TlsOptions.of(cert.certPem(), other.keyPem()))
                        .build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot load the TLS certificate " + cert.certPem())
                .hasMessageContaining("the private key does not belong to the certificate");
    }
}
