package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.testkit.TestPki;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ServerConfigTlsTest {
    static TestPki pki;
    static TestPki.Issued cert;

    @BeforeAll
    static void pki() {
        pki = TestPki.create();
        cert = pki.server("pod");
    }

    @AfterAll
    static void close() {
        pki.close();
    }

    private static Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>(Map.of("FERRY_SERVER_NAME", "pod-0", "FERRY_ADMIN_INSECURE", "true"));
        for (int i = 0; i < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        return env;
    }

    @Test
    void noTlsVariablesMeansPlainTcp() {
        ServerConfig c = ServerConfig.fromEnvironment(env());
        assertThat(c.tls()).isNull();
        assertThat(c.adminTls()).isNull();
        assertThat(c.storeCaFile()).isNull();
    }

    @Test
    void certAndKeyTurnTlsOnForBothPortsAndTheClientCaOnlyForTheClientPort() {
        ServerConfig c = ServerConfig.fromEnvironment(env(
                "FERRY_TLS_CERT_FILE",
                cert.certPem().toString(),
                "FERRY_TLS_KEY_FILE",
                cert.keyPem().toString(),
                "FERRY_TLS_CLIENT_CA_FILE",
                pki.caPem().toString(),
                "FERRY_STORE_URI",
                "rediss://:pw@127.0.0.1:6379",
                "FERRY_STORE_CA_FILE",
                pki.caPem().toString()));
        assertThat(c.tls().certChainPem()).isEqualTo(cert.certPem());
        assertThat(c.tls().mutual()).isTrue();
        assertThat(c.adminTls().certChainPem()).isEqualTo(cert.certPem());
        assertThat(c.adminTls().mutual()).isFalse();
        assertThat(c.storeCaFile()).isEqualTo(pki.caPem());
    }

    @Test
    void adminTlsCanBeTurnedOff() {
        ServerConfig c = ServerConfig.fromEnvironment(env(
                "FERRY_TLS_CERT_FILE",
                cert.certPem().toString(),
                "FERRY_TLS_KEY_FILE",
                cert.keyPem().toString(),
                "FERRY_ADMIN_TLS",
                "false"));
        assertThat(c.tls()).isNotNull();
        assertThat(c.adminTls()).isNull();
    }

    @Test
    void badTlsSettingsSayWhatToFix() {
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(
                        env("FERRY_TLS_CERT_FILE", cert.certPem().toString())))
                .hasMessageContaining("FERRY_TLS_CERT_FILE and FERRY_TLS_KEY_FILE go together");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(env(
                        "FERRY_TLS_CERT_FILE",
                        "/nope/tls.crt",
                        "FERRY_TLS_KEY_FILE",
                        cert.keyPem().toString())))
                .hasMessageContaining("FERRY_TLS_CERT_FILE '/nope/tls.crt' is not a readable file");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(env("FERRY_ADMIN_TLS", "true")))
                .hasMessageContaining("FERRY_ADMIN_TLS=true needs FERRY_TLS_CERT_FILE");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(env("FERRY_ADMIN_TLS", "yes")))
                .hasMessageContaining("FERRY_ADMIN_TLS must be true or false");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(env(
                        "FERRY_STORE_CA_FILE", pki.caPem().toString(), "FERRY_STORE_URI", "redis://127.0.0.1:6379")))
                .hasMessageContaining("use a rediss://");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(
                        env("FERRY_TLS_CLIENT_CA_FILE", pki.caPem().toString())))
                .hasMessageContaining("mutual TLS is TLS first");
    }
}
