package dev.ferry.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away PKI for tests: a CA made at test time and leaf certificates it signs, written as PEM
 * files into a temporary directory (no key or certificate is ever checked in). EC P-256 keys,
 * because they are generated in milliseconds.
 *
 * <pre>{@code
 * try (TestPki pki = TestPki.create()) {
 *     TestPki.Issued server = pki.server("server", "127.0.0.1", "127.0.0.2"); // + DNS:localhost
 *     server.certPem(); server.keyPem(); pki.caPem();
 * }
 * }</pre>
 */
public final class TestPki implements AutoCloseable {
    private static final Duration VALIDITY = Duration.ofDays(2);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    /** One issued certificate: its PEM files and the JDK objects. */
    public record Issued(Path certPem, Path keyPem, X509Certificate certificate, PrivateKey key) {}

    private final Path directory;
    private final X509Certificate caCert;
    private final KeyPair caKeys;
    private final Path caPem;

    private TestPki(Path directory, String caName)
            throws GeneralSecurityException, IOException, OperatorCreationException {
        this.directory = directory;
        this.caKeys = newKeyPair();
        X500Name name = new X500Name("CN=" + caName);
        JcaX509v3CertificateBuilder b = builder(name, name, caKeys);
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(caKeys.getPublic()));
        this.caCert = sign(b, caKeys.getPrivate());
        this.caPem = directory.resolve("ca.crt");
        writePem(caPem, "CERTIFICATE", caCert.getEncoded());
    }

    /** A new CA named "Ferry Test CA" in a new temporary directory. */
    public static TestPki create() {
        return create("Ferry Test CA");
    }

    public static TestPki create(String caName) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("ferry-pki-");
            return new TestPki(dir, caName);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the test PKI", e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create the test CA", e);
        }
    }

    /** The CA certificate (PEM): what clients trust. */
    public Path caPem() {
        return caPem;
    }

    public X509Certificate caCertificate() {
        return caCert;
    }

    public Path directory() {
        return directory;
    }

    /**
     * A server certificate for {@code DNS:localhost} and the given IP addresses (at least
     * 127.0.0.1 if none are given), usable for server and client authentication.
     */
    public Issued server(String name, String... ips) {
        List<GeneralName> sans = new ArrayList<>();
        sans.add(new GeneralName(GeneralName.dNSName, "localhost"));
        for (String ip : ips.length == 0 ? new String[] {"127.0.0.1"} : ips) {
            sans.add(new GeneralName(GeneralName.iPAddress, ip));
        }
        return issue(name, sans, new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth});
    }

    /** A client certificate (for mTLS) with no subject alternative names. */
    public Issued client(String name) {
        return issue(name, List.of(), new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth});
    }

    /** An SSLContext that trusts this CA only, e.g. for {@code java.net.http.HttpClient}. */
    public SSLContext trustingContext() {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            ks.setCertificateEntry("ca", caCert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), RANDOM);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build an SSLContext for the test CA", e);
        }
    }

    private Issued issue(String name, List<GeneralName> sans, KeyPurposeId[] purposes) {
        try {
            KeyPair keys = newKeyPair();
            JcaX509v3CertificateBuilder b = builder(new X500Name("CN=" + caName()), new X500Name("CN=" + name), keys);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
            if (!sans.isEmpty()) {
                b.addExtension(
                        Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            X509Certificate cert = sign(b, caKeys.getPrivate());
            String file = name.replaceAll("[^A-Za-z0-9._-]", "_");
            Path certPem = directory.resolve(file + ".crt");
            Path keyPem = directory.resolve(file + ".key");
            writePem(certPem, "CERTIFICATE", cert.getEncoded());
            writePem(keyPem, "PRIVATE KEY", keys.getPrivate().getEncoded()); // PKCS#8, what Netty and redis read
            return new Issued(certPem, keyPem, cert, keys.getPrivate());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the certificate for " + name, e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue a certificate for " + name, e);
        }
    }

    private String caName() {
        return caCert.getSubjectX500Principal().getName().replaceFirst("^CN=", "");
    }

    private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        // Back-dated a little so a certificate made this millisecond is valid on a clock a bit behind.
        return new JcaX509v3CertificateBuilder(
                issuer,
                BigInteger.valueOf(SERIALS.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(VALIDITY)),
                subject,
                keys.getPublic());
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey key)
            throws OperatorCreationException, GeneralSecurityException {
        X509CertificateHolder holder = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key));
        return new JcaX509CertificateConverter().getCertificate(holder);
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256, RANDOM);
        return g.generateKeyPair();
    }

    private static void writePem(Path file, String type, byte[] der) throws IOException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der);
        Files.writeString(
                file,
                "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n",
                StandardCharsets.US_ASCII);
    }

    /** Deletes the directory with every key and certificate. */
    @Override
    public void close() {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Only a temporary directory is left behind; nothing to fail a test for.
        }
    }
}
