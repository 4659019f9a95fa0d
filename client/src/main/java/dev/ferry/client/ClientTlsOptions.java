package dev.ferry.client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * TLS settings of a {@link FerryClient}, used for every connection it opens: to the service
 * address, to migration targets and to resume fallbacks. Build with {@link #builder()}.
 *
 * <p>By default the server certificate must chain to the JDK's trusted CAs (or to
 * {@link Builder#trustCaPem(Path)}) and name the host or IP address the client connected to
 * (endpoint identification "HTTPS"), so a migration target cannot be impersonated by a server
 * that merely has some certificate of the same CA for another name.
 */
public final class ClientTlsOptions {
    private final Path trustCaPem;
    private final Path clientCertPem;
    private final Path clientKeyPem;
    private final boolean verifyHostname;
    private final String serverName;

    private ClientTlsOptions(Builder b) {
        this.trustCaPem = b.trustCaPem;
        this.clientCertPem = b.clientCertPem;
        this.clientKeyPem = b.clientKeyPem;
        this.verifyHostname = b.verifyHostname;
        this.serverName = b.serverName;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** TLS trusting only the CA in {@code caPem}, host names verified. */
    public static ClientTlsOptions trusting(Path caPem) {
        return builder().trustCaPem(caPem).build();
    }

    /** PEM file of the CA(s) to trust; null = the JDK's default trust store. */
    public Path trustCaPem() {
        return trustCaPem;
    }

    /** Client certificate chain for mutual TLS, or null. */
    public Path clientCertPem() {
        return clientCertPem;
    }

    public Path clientKeyPem() {
        return clientKeyPem;
    }

    public boolean verifyHostname() {
        return verifyHostname;
    }

    /** The name every server's certificate must hold (and SNI), instead of the dialed host; null = the dialed host. */
    public String serverName() {
        return serverName;
    }

    @Override
    public String toString() {
        return "ClientTlsOptions[trust=" + (trustCaPem == null ? "JDK default" : trustCaPem)
                + ", clientCert=" + clientCertPem + ", verifyHostname=" + verifyHostname
                + (serverName == null ? "" : ", serverName=" + serverName) + "]";
    }

    public static final class Builder {
        private Path trustCaPem;
        private Path clientCertPem;
        private Path clientKeyPem;
        private boolean verifyHostname = true;
        private String serverName;

        private Builder() {}

        public Builder trustCaPem(Path caPem) {
            this.trustCaPem = readable("trusted CA", caPem);
            return this;
        }

        /** A certificate chain and PKCS#8 key (PEM) to present to servers that require one. */
        public Builder clientCertificate(Path certPem, Path keyPem) {
            this.clientCertPem = readable("client certificate", certPem);
            this.clientKeyPem = readable("client key", keyPem);
            return this;
        }

        /**
         * Turns the host name / IP check off (default on). Only for fleets whose certificates do
         * not name the addresses clients are sent to; any certificate from the trusted CA then passes.
         */
        public Builder verifyHostname(boolean verify) {
            this.verifyHostname = verify;
            return this;
        }

        /**
         * Checks every server's certificate against {@code name} rather than the address the
         * client dialed: for a fleet that sends clients to pod IPs while its certificate names the
         * fleet (a Ferry operator's generated certificate names {@code <fleet>.<namespace>.svc}).
         * Still a name check, unlike {@link #verifyHostname(boolean) verifyHostname(false)}.
         */
        public Builder serverName(String name) {
            if (name == null
                    || name.isBlank()
                    || name.contains(":")
                    || name.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException(
                        "serverName must be a DNS name such as fleet.namespace.svc, was '" + name + "'");
            }
            this.serverName = name;
            return this;
        }

        public ClientTlsOptions build() {
            return new ClientTlsOptions(this);
        }

        private static Path readable(String what, Path file) {
            Objects.requireNonNull(file, what);
            if (!Files.isReadable(file))
                throw new IllegalArgumentException(what + " file " + file + " does not exist or is not readable");
            return file;
        }
    }
}
