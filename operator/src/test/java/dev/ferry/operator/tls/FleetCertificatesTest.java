package dev.ferry.operator.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

class FleetCertificatesTest {

    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    private static final List<String> NAMES = List.of("f.ns.svc", "f.ns.svc.cluster.local", "f-admin.ns.svc");

    @Test
    void aServingCertificateChainsToTheFleetCaAndNamesTheFleet() throws Exception {
        FleetCertificates.Issued ca = FleetCertificates.newCa("ns", "f", NOW);
        FleetCertificates.Issued serving = FleetCertificates.issueServing(ca, NAMES, NOW);

        X509Certificate caCert = FleetCertificates.certificate(ca.certificatePem());
        X509Certificate cert = FleetCertificates.certificate(serving.certificatePem());
        cert.verify(caCert.getPublicKey());
        assertThat(caCert.getBasicConstraints()).as("a CA").isZero();
        assertThat(cert.getBasicConstraints()).as("not a CA").isEqualTo(-1);
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(FleetCertificates.dnsNames(cert)).containsExactlyInAnyOrderElementsOf(NAMES);
        assertThat(Duration.between(
                        cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant()))
                .isEqualTo(FleetCertificates.SERVING_VALIDITY.plusMinutes(5));
        assertThat(serving.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(ca.certificatePem())
                .isNotEqualTo(FleetCertificates.newCa("ns", "f", NOW).certificatePem());
    }

    @Test
    void renewalIsDueAtTwoThirdsOfTheLifeOrWhenNamesOrTheCaChange() {
        FleetCertificates.Issued ca = FleetCertificates.newCa("ns", "f", NOW);
        FleetCertificates.Issued serving = FleetCertificates.issueServing(ca, NAMES, NOW);
        String pem = serving.certificatePem();
        Duration twoThirds = FleetCertificates.SERVING_VALIDITY
                .plusMinutes(5)
                .multipliedBy(2)
                .dividedBy(3);
        Instant issuedFrom = NOW.minus(Duration.ofMinutes(5));

        assertThat(FleetCertificates.needsRenewal(pem, ca.certificatePem(), NAMES, NOW))
                .isFalse();
        assertThat(FleetCertificates.needsRenewal(
                        pem,
                        ca.certificatePem(),
                        NAMES,
                        issuedFrom.plus(twoThirds).minusSeconds(1)))
                .isFalse();
        assertThat(FleetCertificates.needsRenewal(pem, ca.certificatePem(), NAMES, issuedFrom.plus(twoThirds)))
                .isTrue();
        assertThat(FleetCertificates.needsRenewal(pem, ca.certificatePem(), List.of("g.ns.svc"), NOW))
                .as("names changed")
                .isTrue();
        String otherCa = FleetCertificates.newCa("ns", "f", NOW).certificatePem();
        assertThat(FleetCertificates.needsRenewal(pem, otherCa, NAMES, NOW))
                .as("another CA")
                .isTrue();
        assertThat(FleetCertificates.needsRenewal("garbage", ca.certificatePem(), NAMES, NOW))
                .isTrue();
        assertThat(FleetCertificates.caUsable(ca.certificatePem(), NOW)).isTrue();
        assertThat(FleetCertificates.caUsable(
                        ca.certificatePem(),
                        NOW.plus(FleetCertificates.CA_VALIDITY).minus(Duration.ofDays(300))))
                .as("less than a serving certificate's life left")
                .isFalse();
    }

    @Test
    void theOperatorsTrustRequiresTheFleetCaAndTheFleetsName() throws Exception {
        FleetCertificates.Issued ca = FleetCertificates.newCa("ns", "f", NOW);
        X509Certificate[] good = chain(FleetCertificates.issueServing(ca, NAMES, NOW));
        X509Certificate[] otherName = chain(FleetCertificates.issueServing(ca, List.of("g.ns.svc"), NOW));
        X509Certificate[] otherCa =
                chain(FleetCertificates.issueServing(FleetCertificates.newCa("ns", "f", NOW), NAMES, NOW));

        FleetTrust.NamedFleet trust = new FleetTrust.NamedFleet(jdkTrust(ca.certificatePem()), "f.ns.svc");
        trust.checkServerTrusted(good, "ECDHE_ECDSA");
        assertThatThrownBy(() -> trust.checkServerTrusted(otherName, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("not this fleet's f.ns.svc");
        assertThatThrownBy(() -> trust.checkServerTrusted(otherCa, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class);
        assertThat(FleetTrust.sslContext(ca.certificatePem(), "f.ns.svc").getProtocol())
                .isEqualTo("TLS");
    }

    private static X509Certificate[] chain(FleetCertificates.Issued serving) {
        return new X509Certificate[] {FleetCertificates.certificate(serving.certificatePem())};
    }

    private static X509TrustManager jdkTrust(String caPem) throws Exception {
        java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("ca", FleetCertificates.certificate(caPem));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return (X509TrustManager) tmf.getTrustManagers()[0];
    }
}
