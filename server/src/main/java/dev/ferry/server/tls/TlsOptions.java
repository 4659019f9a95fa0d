package dev.ferry.server.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a server's TLS identity comes from: a PEM certificate chain and a PEM (PKCS#8) private
 * key, as mounted from a Kubernetes TLS Secret ({@code tls.crt}, {@code tls.key}), and optionally
 * a CA whose client certificates are required (mutual TLS, {@code ca.crt}). Files are read once,
 * when the server starts.
 */
public record TlsOptions(Path certChainPem, Path keyPem, Path clientCaPem) {

    public TlsOptions {
        Objects.requireNonNull(certChainPem, "certChainPem");
        Objects.requireNonNull(keyPem, "keyPem");
        requireReadable("certificate chain", certChainPem);
        requireReadable("private key", keyPem);
        if (clientCaPem != null) requireReadable("client CA", clientCaPem);
    }

    /** TLS without client certificates. */
    public static TlsOptions of(Path certChainPem, Path keyPem) {
        return new TlsOptions(certChainPem, keyPem, null);
    }

    /** The same identity, and clients must present a certificate signed by {@code clientCaPem}. */
    public TlsOptions withClientCa(Path clientCaPem) {
        return new TlsOptions(certChainPem, keyPem, Objects.requireNonNull(clientCaPem, "clientCaPem"));
    }

    public boolean mutual() { return clientCaPem != null; }

    private static void requireReadable(String what, Path file) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("TLS " + what + " file " + file + " does not exist or is not readable");
        }
    }
}
