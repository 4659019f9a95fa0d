package dev.ferry.server.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server-side TLS context built from {@link TlsOptions}; hands out one {@link SslHandler} per
 * accepted connection. The JDK provider: no native library to ship, and TLS 1.3 is there.
 *
 * <p>Certificates get renewed (cert-manager, or the operator's fleet CA at two thirds of a
 * certificate's life) and the kubelet swaps the files of a Secret volume in place. So when a
 * connection arrives and the last look is older than {@link TlsOptions#reloadCheckInterval()}, the
 * files are read again; if their bytes changed, a new context serves the connections accepted
 * from then on, and open connections keep theirs. Files that do not make a usable context (say a
 * certificate without its new key, half-way through a hand copy) are logged once and the previous
 * context stays until the files change again.
 */
public final class ServerTls {
    private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

    private record Loaded(SslContext context, byte[] fingerprint) {}

    private final TlsOptions options;
    private final long recheckNanos;
    private final AtomicBoolean checking = new AtomicBoolean();
    private final AtomicLong reloads = new AtomicLong();
    private volatile Loaded current;
    private volatile long nextCheckNanos;
    /** Fingerprint of files that failed to load, so the same bad files are reported once. */
    private volatile byte[] rejected;

    private volatile String lastReloadFailure;

    private ServerTls(TlsOptions options, Loaded loaded) {
        this.options = options;
        this.current = loaded;
        this.recheckNanos = options.reloadCheckInterval().toNanos();
        this.nextCheckNanos = System.nanoTime() + recheckNanos;
    }

    /** @throws IllegalArgumentException if the files are not a usable PEM certificate chain and key */
    public static ServerTls create(TlsOptions options) {
        TlsFiles files;
        try {
            files = TlsFiles.read(options);
        } catch (IOException e) {
            throw new IllegalArgumentException(problem(options, e), e);
        }
        return new ServerTls(options, new Loaded(build(options, files), files.fingerprint()));
    }

    /** A handler for one connection; its handshake must finish within {@code handshakeTimeout}. */
    public SslHandler newHandler(ByteBufAllocator alloc, Duration handshakeTimeout) {
        maybeReload();
        SslHandler h = current.context().newHandler(alloc);
        h.setHandshakeTimeout(handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        return h;
    }

    /** On the accepting event loop: at most once per interval, two small file reads (and a rebuild if they changed). */
    private void maybeReload() {
        if (System.nanoTime() - nextCheckNanos < 0 || !checking.compareAndSet(false, true)) return;
        try {
            nextCheckNanos = System.nanoTime() + recheckNanos;
            reloadIfChanged();
        } finally {
            checking.set(false);
        }
    }

    /**
     * Reads the files now and switches to them if their bytes changed and they make a usable context.
     *
     * @return true if a new certificate serves new connections from now on
     */
    public boolean reloadIfChanged() {
        TlsFiles files;
        try {
            files = TlsFiles.read(options);
        } catch (IOException e) {
            lastReloadFailure = problem(options, e);
            log.warn("TLS: {}; new connections keep the certificate loaded before", lastReloadFailure);
            return false;
        }
        byte[] fingerprint = files.fingerprint();
        if (Arrays.equals(fingerprint, current.fingerprint()) || Arrays.equals(fingerprint, rejected)) return false;
        try {
            current = new Loaded(build(options, files), fingerprint);
        } catch (IllegalArgumentException e) {
            rejected = fingerprint;
            lastReloadFailure = e.getMessage();
            log.warn(
                    "TLS: the changed files do not make a usable certificate ({}); new connections keep the certificate"
                            + " loaded before until the files change again",
                    e.getMessage());
            return false;
        }
        rejected = null;
        lastReloadFailure = null;
        reloads.incrementAndGet();
        log.info("TLS: loaded the renewed certificate {} for new connections", options.certChainPem());
        return true;
    }

    /** How many times a changed certificate was loaded since the server started. */
    public long reloads() {
        return reloads.get();
    }

    /** Why the last look at changed files did not load them, or null. */
    public String lastReloadFailure() {
        return lastReloadFailure;
    }

    public TlsOptions options() {
        return options;
    }

    @Override
    public String toString() {
        return options.mutual() ? "TLS (client certificates required)" : "TLS";
    }

    private static SslContext build(TlsOptions options, TlsFiles files) {
        try {
            SslContextBuilder b = SslContextBuilder.forServer(
                            new ByteArrayInputStream(files.chain()), new ByteArrayInputStream(files.key()))
                    .sslProvider(SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2");
            if (options.mutual()) {
                b.trustManager(new ByteArrayInputStream(files.clientCa())).clientAuth(ClientAuth.REQUIRE);
            }
            SslContext context = b.build();
            requireKeyMatchesCertificate(files);
            return context;
        } catch (SSLException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException(problem(options, e), e);
        }
    }

    /**
     * The context builds from a certificate and any key; only handshakes would fail later. So the key
     * signs a probe that the certificate's public key must verify.
     */
    private static void requireKeyMatchesCertificate(TlsFiles files) throws GeneralSecurityException {
        X509Certificate leaf = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(files.chain()))
                .iterator()
                .next();
        PublicKey publicKey = leaf.getPublicKey();
        PrivateKey privateKey = KeyFactory.getInstance(publicKey.getAlgorithm())
                .generatePrivate(new PKCS8EncodedKeySpec(pkcs8(files.key())));
        String algorithm = switch (publicKey.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> publicKey.getAlgorithm(); // Ed25519, Ed448
        };
        byte[] probe = "ferry key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(privateKey);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(publicKey);
        verifier.update(probe);
        if (!verifier.verify(signature)) {
            throw new IllegalArgumentException("the private key does not belong to the certificate "
                    + leaf.getSubjectX500Principal().getName()
                    + " (a certificate and key from different Secrets or renewals?)");
        }
    }

    private static byte[] pkcs8(byte[] pem) {
        String text = new String(pem, java.nio.charset.StandardCharsets.US_ASCII);
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("the key file is not a PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----);"
                    + " convert it with: openssl pkcs8 -topk8 -nocrypt -in key.pem");
        }
        return java.util.Base64.getMimeDecoder()
                .decode(text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
    }

    private static String problem(TlsOptions options, Exception e) {
        return "cannot load the TLS certificate " + options.certChainPem() + " and key " + options.keyPem()
                + (options.mutual() ? " (client CA " + options.clientCaPem() + ")" : "") + ": " + e.getMessage();
    }

    /** The bytes of the files, read together so that the context and its fingerprint match. */
    private record TlsFiles(byte[] chain, byte[] key, byte[] clientCa) {
        static TlsFiles read(TlsOptions options) throws IOException {
            return new TlsFiles(
                    Files.readAllBytes(options.certChainPem()),
                    Files.readAllBytes(options.keyPem()),
                    options.mutual() ? Files.readAllBytes(options.clientCaPem()) : new byte[0]);
        }

        byte[] fingerprint() {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                for (byte[] part : new byte[][] {chain, key, clientCa}) {
                    sha.update(
                            java.nio.ByteBuffer.allocate(4).putInt(part.length).array());
                    sha.update(part);
                }
                return sha.digest();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has SHA-256", e);
            }
        }
    }
}
