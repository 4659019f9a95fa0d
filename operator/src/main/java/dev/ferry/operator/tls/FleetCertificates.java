package dev.ferry.operator.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
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
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * A fleet's certificate authority and the serving certificates it issues, as PEM. Keys are ECDSA
 * P-256; the CA lives 10 years, a serving certificate one year and is renewed when two thirds of
 * its life have passed. Pure functions of their inputs and the clock: the reconciler stores what
 * they return in Secrets and calls them again only when those are missing or due.
 */
public final class FleetCertificates {

    public static final Duration CA_VALIDITY = Duration.ofDays(3650);
    public static final Duration SERVING_VALIDITY = Duration.ofDays(365);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Clock skew between the operator and the servers' clients: certificates are valid from a little earlier. */
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    /** A certificate and its key, PEM encoded (the key as PKCS#8, which the server reads). */
    public record Issued(String certificatePem, String privateKeyPem) {}

    private FleetCertificates() {}

    /** A new CA named after the fleet. */
    public static Issued newCa(String namespace, String fleet, Instant now) {
        return newCa("ferry fleet CA " + namespace + "/" + fleet, now);
    }

    /** A new CA with the common name {@code commonName} (the operator's webhook has its own). */
    public static Issued newCa(String commonName, Instant now) {
        KeyPair keys = newKeyPair();
        X500Name name = new X500Name("CN=" + commonName + ",O=ferry.dev");
        try {
            JcaX509v3CertificateBuilder b = builder(name, name, keys, now, CA_VALIDITY);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new Issued(
                    pem("CERTIFICATE", sign(b, keys.getPrivate()).getEncoded()),
                    pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot create the fleet CA", e);
        }
    }

    /**
     * A serving certificate for {@code dnsNames} (the first is also its CN), signed by {@code ca}. A name
     * that is an IP address literal becomes an IP address entry, which is what a client connecting to
     * that address checks (the API server calling a webhook at https://127.0.0.1:PORT in tests).
     */
    public static Issued issueServing(Issued ca, List<String> dnsNames, Instant now) {
        if (dnsNames.isEmpty()) {
            throw new IllegalArgumentException("a serving certificate needs at least one DNS name");
        }
        X509Certificate caCert = certificate(ca.certificatePem());
        PrivateKey caKey = privateKey(ca.privateKeyPem());
        KeyPair keys = newKeyPair();
        try {
            X500Name issuer =
                    X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded());
            JcaX509v3CertificateBuilder b = builder(
                    issuer, new X500Name("CN=" + dnsNames.get(0) + ",O=ferry.dev"), keys, now, SERVING_VALIDITY);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(
                    Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                KeyPurposeId.id_kp_serverAuth
            }));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
            GeneralName[] sans = dnsNames.stream()
                    .map(n -> new GeneralName(isIpLiteral(n) ? GeneralName.iPAddress : GeneralName.dNSName, n))
                    .toArray(GeneralName[]::new);
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
            return new Issued(
                    pem("CERTIFICATE", sign(b, caKey).getEncoded()),
                    pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot issue the fleet's serving certificate", e);
        }
    }

    /**
     * Whether a serving certificate must be issued again: unreadable, not signed by {@code caPem},
     * past two thirds of its life at {@code now}, or not naming exactly {@code dnsNames}.
     */
    public static boolean needsRenewal(String servingPem, String caPem, List<String> dnsNames, Instant now) {
        try {
            X509Certificate cert = certificate(servingPem);
            X509Certificate ca = certificate(caPem);
            cert.verify(ca.getPublicKey());
            Instant from = cert.getNotBefore().toInstant();
            Instant until = cert.getNotAfter().toInstant();
            Instant renewAt =
                    from.plus(Duration.between(from, until).multipliedBy(2).dividedBy(3));
            return !now.isBefore(renewAt) || !subjectNames(cert).equals(new TreeSet<>(dnsNames));
        } catch (RuntimeException | GeneralSecurityException e) {
            return true;
        }
    }

    /** Whether a CA certificate is still usable at {@code now} for another serving certificate's life. */
    public static boolean caUsable(String caPem, Instant now) {
        try {
            return certificate(caPem).getNotAfter().toInstant().isAfter(now.plus(SERVING_VALIDITY));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The DNS names a certificate's subjectAltName holds. */
    public static Set<String> dnsNames(X509Certificate cert) {
        Set<String> out = new TreeSet<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0))) {
                        out.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (GeneralSecurityException e) {
            return out;
        }
        return out;
    }

    /** The DNS names and IP addresses a certificate's subjectAltName holds. */
    static Set<String> subjectNames(X509Certificate cert) {
        Set<String> out = dnsNames(cert);
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(7).equals(san.get(0))) {
                        out.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (GeneralSecurityException e) {
            return out;
        }
        return out;
    }

    /** An IPv4 dotted quad or an IPv6 literal (no name lookup). */
    static boolean isIpLiteral(String name) {
        return name.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (name.contains(":") && name.matches("[0-9a-fA-F:.]+"));
    }

    /** The certificates of a PEM bundle. */
    public static List<X509Certificate> certificates(String pem) {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            List<X509Certificate> out = new ArrayList<>();
            for (var c : cf.generateCertificates(
                    new java.io.ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII)))) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("no certificate in the PEM text");
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a PEM certificate: " + e.getMessage(), e);
        }
    }

    public static X509Certificate certificate(String pem) {
        return certificates(pem).get(0);
    }

    static PrivateKey privateKey(String pem) {
        try (PemReader r = new PemReader(new StringReader(pem))) {
            PemObject o = r.readPemObject();
            if (o == null || !"PRIVATE KEY".equals(o.getType())) {
                throw new IllegalArgumentException("not a PKCS#8 PEM private key");
            }
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(o.getContent()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the CA key: " + e.getMessage(), e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 in this JDK", e);
        }
    }

    private static JcaX509v3CertificateBuilder builder(
            X500Name issuer, X500Name subject, KeyPair keys, Instant now, Duration validity) {
        BigInteger serial = new BigInteger(127, RANDOM).add(BigInteger.ONE);
        Instant from = now.minus(BACKDATE);
        return new JcaX509v3CertificateBuilder(
                issuer,
                serial,
                java.util.Date.from(from),
                java.util.Date.from(now.plus(validity)),
                subject,
                keys.getPublic());
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey key) throws GeneralSecurityException {
        try {
            X509CertificateHolder holder = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key));
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
