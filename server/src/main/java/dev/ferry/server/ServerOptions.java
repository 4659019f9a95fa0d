package dev.ferry.server;

import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.server.tls.TlsOptions;
import dev.ferry.store.ContextStore;
import java.time.Duration;
import java.util.Objects;

/** Immutable settings of a {@link FerryServer}; build with {@link #builder()}. */
public final class ServerOptions {
    private final String bindHost;
    private final int port;
    private final String advertisedAddress;
    private final String serverName;
    private final MigrationTimers timers;
    private final int maxFrameLength;
    private final int maxSessions;
    private final Duration handshakeTimeout;
    private final Duration idleTimeout;
    private final Duration storeTimeout;
    private final int ioThreads;
    private final int writeBufferLowWaterMark;
    private final int writeBufferHighWaterMark;
    private final ContextStore contextStore;
    private final SessionHandler handler;
    private final TlsOptions tls;
    private final boolean writeThrough;
    private final Duration claimConfirmTimeout;

    private ServerOptions(Builder b) {
        this.bindHost = b.bindHost;
        this.port = b.port;
        this.advertisedAddress = b.advertisedAddress;
        this.serverName = b.serverName;
        this.timers = b.timers;
        this.maxFrameLength = b.maxFrameLength;
        this.maxSessions = b.maxSessions;
        this.handshakeTimeout = b.handshakeTimeout;
        this.idleTimeout = b.idleTimeout;
        this.storeTimeout = b.storeTimeout;
        this.ioThreads = b.ioThreads;
        this.writeBufferLowWaterMark = b.writeBufferLowWaterMark;
        this.writeBufferHighWaterMark = b.writeBufferHighWaterMark;
        this.contextStore = b.contextStore;
        this.handler = b.handler;
        this.tls = b.tls;
        this.writeThrough = b.writeThrough;
        this.claimConfirmTimeout = b.claimConfirmTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String bindHost() {
        return bindHost;
    }

    public int port() {
        return port;
    }
    /** host:port clients are sent to when sessions migrate here; null = the bound address. */
    public String advertisedAddress() {
        return advertisedAddress;
    }

    public String serverName() {
        return serverName;
    }

    public MigrationTimers timers() {
        return timers;
    }

    public int maxFrameLength() {
        return maxFrameLength;
    }

    public int maxSessions() {
        return maxSessions;
    }

    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }
    /** How long a session may send nothing before the server ends it; zero = never (the default). */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    public Duration storeTimeout() {
        return storeTimeout;
    }

    public int ioThreads() {
        return ioThreads;
    }

    public int writeBufferLowWaterMark() {
        return writeBufferLowWaterMark;
    }

    public int writeBufferHighWaterMark() {
        return writeBufferHighWaterMark;
    }

    public ContextStore contextStore() {
        return contextStore;
    }

    public SessionHandler handler() {
        return handler;
    }
    /** TLS on the client port, or null for plain TCP (the default). */
    public TlsOptions tls() {
        return tls;
    }
    /** Whether every session's context is saved to the store at each command boundary (see {@link Builder#writeThrough}). */
    public boolean writeThrough() {
        return writeThrough;
    }
    /** How long a resume's claim may stay unconfirmed before another server may take it over (see {@link Builder#claimConfirmTimeout}). */
    public Duration claimConfirmTimeout() {
        return claimConfirmTimeout;
    }

    public static final class Builder {
        private String bindHost = "127.0.0.1";
        private int port = 0;
        private String advertisedAddress;
        private String serverName = "ferry-server";
        private MigrationTimers timers = MigrationTimers.DEFAULT;
        private int maxFrameLength = ProtocolVersion.DEFAULT_MAX_FRAME_LENGTH;
        private int maxSessions = 200_000;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration idleTimeout = Duration.ZERO;
        private Duration storeTimeout = Duration.ofSeconds(5);
        private int ioThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private int writeBufferLowWaterMark = 32 * 1024;
        private int writeBufferHighWaterMark = 64 * 1024;
        private ContextStore contextStore;
        private SessionHandler handler;
        private TlsOptions tls;
        private boolean writeThrough;
        private Duration claimConfirmTimeout = Duration.ofSeconds(5);

        private Builder() {}

        /** Address to listen on (default 127.0.0.1). */
        public Builder bindHost(String host) {
            this.bindHost = Objects.requireNonNull(host, "bindHost");
            return this;
        }

        /** Port to listen on; 0 (default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535, was " + port);
            this.port = port;
            return this;
        }

        public Builder advertisedAddress(String hostPort) {
            this.advertisedAddress = hostPort;
            return this;
        }

        /** Shown to clients in WELCOME and used as the claimant name in the store (e.g. the pod name). */
        public Builder serverName(String name) {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("serverName must not be blank");
            this.serverName = name;
            return this;
        }

        public Builder timers(MigrationTimers timers) {
            this.timers = Objects.requireNonNull(timers, "timers");
            return this;
        }

        public Builder maxFrameLength(int bytes) {
            if (bytes < 1024) throw new IllegalArgumentException("maxFrameLength must be >= 1024, was " + bytes);
            this.maxFrameLength = bytes;
            return this;
        }

        public Builder maxSessions(int max) {
            if (max < 1) throw new IllegalArgumentException("maxSessions must be >= 1, was " + max);
            this.maxSessions = max;
            return this;
        }

        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive("handshakeTimeout", timeout);
            return this;
        }

        /**
         * Ends a session that sends nothing for this long (GOODBYE IDLE_TIMEOUT). Zero, the
         * default, keeps idle sessions forever: long-lived idle sessions are what Ferry carries.
         */
        public Builder idleTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative())
                throw new IllegalArgumentException("idleTimeout must be zero or positive, was " + timeout);
            this.idleTimeout = timeout;
            return this;
        }

        /** Longest wait for one context store operation before the migration counts as FAILED. */
        public Builder storeTimeout(Duration timeout) {
            this.storeTimeout = positive("storeTimeout", timeout);
            return this;
        }

        public Builder ioThreads(int n) {
            if (n < 1) throw new IllegalArgumentException("ioThreads must be >= 1, was " + n);
            this.ioThreads = n;
            return this;
        }

        public Builder writeBufferWaterMarks(int low, int high) {
            if (low < 1 || high < low)
                throw new IllegalArgumentException("need 0 < low <= high, got " + low + ", " + high);
            this.writeBufferLowWaterMark = low;
            this.writeBufferHighWaterMark = high;
            return this;
        }

        public Builder contextStore(ContextStore store) {
            this.contextStore = store;
            return this;
        }

        public Builder handler(SessionHandler handler) {
            this.handler = handler;
            return this;
        }

        /**
         * Serves the client port over TLS only (null: plain TCP). The TLS handshake counts towards
         * {@link #handshakeTimeout(Duration)}. Migration targets must then be TLS servers too:
         * the client uses one TLS setting for every connection.
         */
        public Builder tls(TlsOptions tls) {
            this.tls = tls;
            return this;
        }

        /**
         * Write-through (default off): the session's context is saved to the store when the session
         * starts and at every command boundary, before the command's final DONE, so a DONE the client
         * has seen is durable and the session survives the server's crash: the client resumes it
         * elsewhere. Costs one store write per command (the handler's thread waits for it, at most
         * the store timeout). A save never overwrites a session another server took over; a session
         * that finds itself taken over ends here. Needs a session idle timer above 0.
         */
        public Builder writeThrough(boolean on) {
            this.writeThrough = on;
            return this;
        }

        /**
         * A resume claims the session's context provisionally and confirms the claim once its
         * WELCOME is written. If this server dies in between (the client never learns it resumed),
         * the client's next RESUME elsewhere gets CLAIM_PENDING until this much time has passed,
         * then takes the session over. Default 5 s; it must cover a claim, a WELCOME write and a
         * confirmation on a loaded server, and clients wait at most their claim wait for it.
         */
        public Builder claimConfirmTimeout(Duration timeout) {
            this.claimConfirmTimeout = positive("claimConfirmTimeout", timeout);
            return this;
        }

        public ServerOptions build() {
            if (contextStore == null)
                throw new IllegalStateException("contextStore is required (use InMemoryContextStore for one process)");
            if (handler == null) throw new IllegalStateException("handler is required");
            if (writeThrough && timers.sessionIdle().isZero()) {
                throw new IllegalStateException(
                        "writeThrough needs a session idle timer above 0: saved contexts live that long in the store");
            }
            return new ServerOptions(this);
        }

        private static Duration positive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero())
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            return d;
        }
    }
}
