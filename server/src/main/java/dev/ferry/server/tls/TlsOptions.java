package dev.ferry.server.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where a server's TLS identity comes from: a PEM certificate chain and a PEM (PKCS#8) private
 * key, as mounted from a Kubernetes TLS Secret ({@code tls.crt}, {@code tls.key}), and optionally
 * a CA whose client certificates are required (mutual TLS, {@code ca.crt}). The files are read
 * when the server starts and checked again at most every {@code reloadCheckInterval} (when a
 * connection arrives): a renewed certificate (the kubelet swaps a Secret volume's files in place)
 * serves new connections without a restart.
 */
public record TlsOptions(Path certChainPem, Path keyPem, Path clientCaPem, Duration reloadCheckInterval) {

    /** How often, at most, the files are checked for a renewed certificate unless set. */
    public static final Duration DEFAULT_RELOAD_CHECK_INTERVAL = Duration.ofSeconds(10);

    public TlsOptions {
        Objects.requireNonNull(certChainPem, "certChainPem");
        Objects.requireNonNull(keyPem, "keyPem");
        Objects.requireNonNull(reloadCheckInterval, "reloadCheckInterval");
        if (reloadCheckInterval.isNegative()) {
            throw new IllegalArgumentException("reloadCheckInterval must not be negative, was " + reloadCheckInterval);
        }
        requireReadable("certificate chain", certChainPem);
        requireReadable("private key", keyPem);
        if (clientCaPem != null) requireReadable("client CA", clientCaPem);
    }

    public TlsOptions(Path certChainPem, Path keyPem, Path clientCaPem) {
        this(certChainPem, keyPem, clientCaPem, DEFAULT_RELOAD_CHECK_INTERVAL);
    }

    /** TLS without client certificates. */
    public static TlsOptions of(Path certChainPem, Path keyPem) {
        return new TlsOptions(certChainPem, keyPem, null);
    }

    /** The same identity, and clients must present a certificate signed by {@code clientCaPem}. */
    public TlsOptions withClientCa(Path clientCaPem) {
        return new TlsOptions(
                certChainPem, keyPem, Objects.requireNonNull(clientCaPem, "clientCaPem"), reloadCheckInterval);
    }

    /** The same files, checked for a renewed certificate at most this often (zero: on every connection). */
    public TlsOptions withReloadCheckInterval(Duration interval) {
        return new TlsOptions(certChainPem, keyPem, clientCaPem, interval);
    }

    public boolean mutual() {
        return clientCaPem != null;
    }

    private static void requireReadable(String what, Path file) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("TLS " + what + " file " + file + " does not exist or is not readable");
        }
    }
}
