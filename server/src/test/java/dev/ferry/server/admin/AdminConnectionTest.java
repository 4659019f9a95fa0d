package dev.ferry.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HTTP/1.1 connection handling: keep-alive, pipelining order, close, malformed requests, idle timeout. */
class AdminConnectionTest {
    private static final String AUTH = "Authorization: Bearer " + AdminTestServer.TOKEN + "\r\n";

    private AdminTestServer t;

    @BeforeEach
    void start() {
        t = AdminTestServer.start(b -> b.idleTimeout(Duration.ofMillis(300)));
    }

    @AfterEach
    void stop() {
        t.close();
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnection() throws IOException {
        try (RawHttp c = new RawHttp(t.admin.localAddress())) {
            for (int i = 0; i < 3; i++) {
                c.write("GET /healthz/live HTTP/1.1\r\nHost: x\r\n\r\n");
                RawHttp.Response r = c.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("connection")).isNull();
            }
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderEvenWhenTheFirstRunsOnAVirtualThread() throws IOException {
        String drain = "{\"targets\":[\"127.0.0.1:7001\"],\"ratePerSecond\":0}";
        try (RawHttp c = new RawHttp(t.admin.localAddress())) {
            c.write("DELETE /v1/drain HTTP/1.1\r\nHost: x\r\n" + AUTH + "\r\n"
                    + "POST /v1/drain HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Type: application/json\r\n"
                    + "Content-Length: " + drain.length() + "\r\n\r\n" + drain
                    + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");

            assertThat(c.read().status()).isEqualTo(200);
            assertThat(c.read().status()).isEqualTo(202);
            assertThat(c.read().status()).isEqualTo(404);
        }
        assertThat(t.server.isServing()).isFalse();
    }

    @Test
    void connectionCloseIsHonoured() throws IOException {
        try (RawHttp c = new RawHttp(t.admin.localAddress())) {
            c.write("GET /healthz/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

            RawHttp.Response r = c.read();

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void http10GetsKeepAliveOnlyWhenItAsks() throws IOException {
        try (RawHttp c = new RawHttp(t.admin.localAddress())) {
            c.write("GET /healthz/live HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.header("connection")).isEqualToIgnoringCase("keep-alive");

            c.write("GET /healthz/live HTTP/1.0\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void aMalformedRequestGetsJson400AndTheConnectionIsClosed() throws IOException {
        try (RawHttp c = new RawHttp(t.admin.localAddress())) {
            c.write("GET /healthz/live HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n");

            RawHttp.Response r = c.read();

            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("content-type")).isEqualTo("application/json");
            assertThat(AdminTestServer.json(r.body()).get("error").asText()).contains("malformed");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void anOversizedChunkedBodyGets413() throws IOException {
        String chunk = "x".repeat(40_000);
        try (RawHttp c = new RawHttp(t.admin.localAddress())) {
            c.write("PUT /v1/peers HTTP/1.1\r\nHost: x\r\n" + AUTH + "Transfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n"
                    + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n0\r\n\r\n");

            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(AdminTestServer.json(r.body()).get("error").asText()).contains("65536 bytes");

            // The rest of the body was skipped: the connection still works.
            c.write("GET /healthz/live HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
    }

    @Test
    void anIdleConnectionIsClosed() throws IOException {
        try (RawHttp c = new RawHttp(t.admin.localAddress())) {
            c.write("GET /healthz/live HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);

            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void aRequestTrickledTooSlowlyIsClosed() throws IOException {
        try (RawHttp c = new RawHttp(t.admin.localAddress())) {
            c.write("GET /healthz/live HTTP/1.1\r\nHost: x\r\n"); // never finished

            assertThat(c.closedByServer()).isTrue();
        }
    }
}
