package dev.ferry.server.admin;

import dev.ferry.server.WarmUp;
import dev.ferry.server.tls.TlsOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * Immutable settings of an {@link AdminServer}; build with {@link #builder()}.
 *
 * <p>A bearer token is required: the admin API can drain a server, so running it open has to be a
 * deliberate choice ({@link Builder#insecureNoAuth()}), meant for a developer's machine only.
 */
public final class AdminOptions {
    private final String bindHost;
    private final int port;
    private final String bearerToken;
    private final boolean insecureNoAuth;
    private final int maxBodyBytes;
    private final double requestsPerSecond;
    private final Duration storePingTimeout;
    private final Duration storePingCacheTtl;
    private final Duration idleTimeout;
    private final TlsOptions tls;
    private final WarmUp warmUp;

    private AdminOptions(Builder b) {
        this.bindHost = b.bindHost;
        this.port = b.port;
        this.bearerToken = b.bearerToken;
        this.insecureNoAuth = b.insecureNoAuth;
        this.maxBodyBytes = b.maxBodyBytes;
        this.requestsPerSecond = b.requestsPerSecond;
        this.storePingTimeout = b.storePingTimeout;
        this.storePingCacheTtl = b.storePingCacheTtl;
        this.idleTimeout = b.idleTimeout;
        this.tls = b.tls;
        this.warmUp = b.warmUp;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String bindHost() {
        return bindHost;
    }
    /** 0 = an ephemeral port; read the bound one from {@link AdminServer#localAddress()}. */
    public int port() {
        return port;
    }
    /** The token callers must send as {@code Authorization: Bearer <token>}; null only when auth is off. */
    public String bearerToken() {
        return bearerToken;
    }

    public boolean insecureNoAuth() {
        return insecureNoAuth;
    }

    public int maxBodyBytes() {
        return maxBodyBytes;
    }
    /** Sustained rate of mutating requests (POST, PUT, DELETE) for the whole server; bursts up to one second's worth. */
    public double requestsPerSecond() {
        return requestsPerSecond;
    }
    /** How long readiness waits for the context store to answer a ping. */
    public Duration storePingTimeout() {
        return storePingTimeout;
    }
    /** How long a store ping result is reused, so frequent probes do not hammer the store. */
    public Duration storePingCacheTtl() {
        return storePingCacheTtl;
    }
    /** A connection that sends no complete request for this long is closed (also bounds slow senders). */
    public Duration idleTimeout() {
        return idleTimeout;
    }
    /** HTTPS when set; null = plain HTTP. */
    public TlsOptions tls() {
        return tls;
    }

    /** Readiness waits for it to finish; null = nothing to wait for. */
    public WarmUp warmUp() {
        return warmUp;
    }

    @Override
    public String toString() {
        // Never print the token itself.
        return "AdminOptions[" + bindHost + ":" + port + ", auth=" + (insecureNoAuth ? "OFF" : "bearer")
                + ", maxBodyBytes=" + maxBodyBytes + ", requestsPerSecond=" + requestsPerSecond
                + ", storePingTimeout=" + storePingTimeout + ", storePingCacheTtl=" + storePingCacheTtl
                + ", idleTimeout=" + idleTimeout + ", " + (tls == null ? "http" : tls.mutual() ? "https+mTLS" : "https")
                + "]";
    }

    public static final class Builder {
        private String bindHost = "127.0.0.1";
        private int port = 0;
        private String bearerToken;
        private boolean insecureNoAuth;
        private int maxBodyBytes = 64 * 1024;
        private double requestsPerSecond = 50;
        private Duration storePingTimeout = Duration.ofSeconds(1);
        private Duration storePingCacheTtl = Duration.ofSeconds(1);
        private Duration idleTimeout = Duration.ofSeconds(30);
        private TlsOptions tls;
        private WarmUp warmUp;

        private Builder() {}

        /**
         * {@code GET /healthz/ready} answers 503 ({@code "warmUp": "PENDING"} or {@code "RUNNING"}) until this
         * warm-up has run: the pod gets no sessions while its JVM is cold. Default: none.
         */
        public Builder readyAfter(WarmUp warmUp) {
            this.warmUp = warmUp;
            return this;
        }

        /**
         * Serves HTTPS only (null: plain HTTP, the default). Kubelet probes then need
         * {@code scheme: HTTPS}; they do not check the certificate, so mTLS here would lock them out.
         */
        public Builder tls(TlsOptions tls) {
            this.tls = tls;
            return this;
        }

        /** Address to listen on (default 127.0.0.1; a pod uses 0.0.0.0). */
        public Builder bindHost(String host) {
            if (host == null || host.isBlank()) throw new IllegalArgumentException("bindHost must not be blank");
            this.bindHost = host;
            return this;
        }

        /** Port to listen on; 0 (default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535, was " + port);
            this.port = port;
            return this;
        }

        /** The fleet's admin token (from the operator's Secret). */
        public Builder bearerToken(String token) {
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException(
                        "bearerToken must not be blank (use insecureNoAuth() for local development)");
            }
            if (!token.equals(token.strip())) {
                throw new IllegalArgumentException("bearerToken must not start or end with whitespace");
            }
            this.bearerToken = token;
            this.insecureNoAuth = false;
            return this;
        }

        /** Turns authentication off. Only for a developer's machine; the server logs a warning. */
        public Builder insecureNoAuth() {
            this.insecureNoAuth = true;
            this.bearerToken = null;
            return this;
        }

        /** Largest request body accepted (default 64 KiB); larger ones get 413. */
        public Builder maxBodyBytes(int bytes) {
            if (bytes < 1024) throw new IllegalArgumentException("maxBodyBytes must be >= 1024, was " + bytes);
            this.maxBodyBytes = bytes;
            return this;
        }

        /** Sustained rate of mutating requests (default 50/s); more get 429 with Retry-After. */
        public Builder requestsPerSecond(double rate) {
            if (!(rate > 0) || Double.isInfinite(rate)) {
                throw new IllegalArgumentException("requestsPerSecond must be a positive finite number, was " + rate);
            }
            this.requestsPerSecond = rate;
            return this;
        }

        public Builder storePingTimeout(Duration timeout) {
            this.storePingTimeout = positive("storePingTimeout", timeout);
            return this;
        }

        public Builder storePingCacheTtl(Duration ttl) {
            if (ttl == null || ttl.isNegative())
                throw new IllegalArgumentException("storePingCacheTtl must be >= 0, was " + ttl);
            this.storePingCacheTtl = ttl;
            return this;
        }

        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive("idleTimeout", timeout);
            return this;
        }

        public AdminOptions build() {
            if (bearerToken == null && !insecureNoAuth) {
                throw new IllegalStateException(
                        "bearerToken is required (or call insecureNoAuth() for local development)");
            }
            return new AdminOptions(this);
        }

        private static Duration positive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero())
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            return Objects.requireNonNull(d);
        }
    }
}
