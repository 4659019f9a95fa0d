package dev.ferry.client;

import dev.ferry.protocol.ProtocolVersion;
import java.time.Duration;
import java.util.Objects;

/**
 * Immutable settings of a {@link FerryClient}. Build with {@link #builder()}; only
 * {@link Builder#serviceAddress(String)} is required.
 */
public final class ClientOptions {
    /** {@link #commandTimeout()} when none is set: effectively no limit. */
    public static final Duration NO_TIMEOUT = Duration.ofDays(365);

    private final HostPort serviceAddress;
    private final boolean readAhead;
    private final Duration connectTimeout;
    private final Duration commandTimeout;
    private final int maxFrameLength;
    private final String clientName;
    private final int eventLoopThreads;
    private final int resumeAttempts;
    private final Duration resumeBackoff;
    private final ClientTlsOptions tls;
    private final boolean resumeOnConnectionLoss;
    private final Duration claimWait;
    private final int maxOutstanding;

    private ClientOptions(Builder b) {
        if (b.serviceAddress == null) throw new IllegalArgumentException("serviceAddress is required");
        this.serviceAddress = HostPort.parse(b.serviceAddress);
        this.readAhead = b.readAhead;
        this.connectTimeout = positive("connectTimeout", b.connectTimeout);
        this.commandTimeout = positive("commandTimeout", b.commandTimeout);
        if (b.maxFrameLength < 64)
            throw new IllegalArgumentException("maxFrameLength must be >= 64, was " + b.maxFrameLength);
        this.maxFrameLength = b.maxFrameLength;
        this.clientName = Objects.requireNonNull(b.clientName, "clientName");
        if (b.eventLoopThreads < 1)
            throw new IllegalArgumentException("eventLoopThreads must be >= 1, was " + b.eventLoopThreads);
        this.eventLoopThreads = b.eventLoopThreads;
        if (b.resumeAttempts < 1)
            throw new IllegalArgumentException("resumeAttempts must be >= 1, was " + b.resumeAttempts);
        this.resumeAttempts = b.resumeAttempts;
        this.resumeBackoff = Objects.requireNonNull(b.resumeBackoff, "resumeBackoff");
        this.tls = b.tls;
        this.resumeOnConnectionLoss = b.resumeOnConnectionLoss;
        this.claimWait = Objects.requireNonNull(b.claimWait, "claimWait");
        if (claimWait.isNegative())
            throw new IllegalArgumentException("claimWait must not be negative, was " + claimWait);
        if (b.maxOutstanding < 1)
            throw new IllegalArgumentException("maxOutstanding must be >= 1, was " + b.maxOutstanding);
        this.maxOutstanding = b.maxOutstanding;
    }

    private static Duration positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive, was " + d);
        return d;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with these options, to derive a variant. */
    public Builder toBuilder() {
        return new Builder()
                .serviceAddress(serviceAddress.toString())
                .readAhead(readAhead)
                .connectTimeout(connectTimeout)
                .commandTimeout(commandTimeout)
                .maxFrameLength(maxFrameLength)
                .clientName(clientName)
                .eventLoopThreads(eventLoopThreads)
                .resumeAttempts(resumeAttempts)
                .resumeBackoff(resumeBackoff)
                .tls(tls)
                .resumeOnConnectionLoss(resumeOnConnectionLoss)
                .claimWait(claimWait)
                .maxOutstanding(maxOutstanding);
    }

    /** The fleet's service address ({@code host:port}): where sessions open, and the last resume fallback. */
    public String serviceAddress() {
        return serviceAddress.toString();
    }

    HostPort serviceHostPort() {
        return serviceAddress;
    }

    /**
     * Whether the connection reads while no command is outstanding (default true): a read-ahead
     * session sees a MIGRATE at once and moves while idle; otherwise it sees it at its next command.
     */
    public boolean readAhead() {
        return readAhead;
    }

    /** Bound on a TCP connect and on the wait for WELCOME (after HELLO or RESUME). Default 5 s. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** How long blocking calls wait for a command's final DONE. Default {@link #NO_TIMEOUT}. */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /** Largest frame accepted from a server. Default {@link ProtocolVersion#DEFAULT_MAX_FRAME_LENGTH}. */
    public int maxFrameLength() {
        return maxFrameLength;
    }

    /** Sent in HELLO, for the server's logs. Default {@code ferry-java}. */
    public String clientName() {
        return clientName;
    }

    /** Netty event loop threads of the client, shared by all its sessions. Default 1. */
    public int eventLoopThreads() {
        return eventLoopThreads;
    }

    /**
     * How many passes a migration makes over its resume paths (the MIGRATE targets, then the
     * service address) before it gives up. Default 3.
     */
    public int resumeAttempts() {
        return resumeAttempts;
    }

    /** Pause between two passes over the resume paths; grows linearly with the pass. Default 100 ms. */
    public Duration resumeBackoff() {
        return resumeBackoff;
    }

    /** Whether a session whose connection drops with no migration tries to resume (see {@link Builder#resumeOnConnectionLoss}). */
    public boolean resumeOnConnectionLoss() {
        return resumeOnConnectionLoss;
    }

    /** How long one resume waits out another server's unconfirmed claim (see {@link Builder#claimWait}). */
    public Duration claimWait() {
        return claimWait;
    }

    /**
     * How many commands one session may have outstanding at once (pipelining). A submit beyond it
     * waits for an earlier command to end (see {@link Builder#maxOutstanding}). Default 128.
     */
    public int maxOutstanding() {
        return maxOutstanding;
    }

    /** TLS for every connection (service address, migration targets, fallbacks), or null for plain TCP. */
    public ClientTlsOptions tls() {
        return tls;
    }

    @Override
    public String toString() {
        return "ClientOptions[serviceAddress=" + serviceAddress + ", readAhead=" + readAhead + ", connectTimeout="
                + connectTimeout + ", commandTimeout=" + commandTimeout + ", maxFrameLength=" + maxFrameLength
                + ", clientName=" + clientName + ", eventLoopThreads=" + eventLoopThreads + ", resumeAttempts="
                + resumeAttempts + ", resumeBackoff=" + resumeBackoff + ", claimWait=" + claimWait + ", tls=" + tls
                + ", resumeOnConnectionLoss=" + resumeOnConnectionLoss + ", maxOutstanding=" + maxOutstanding + "]";
    }

    public static final class Builder {
        private String serviceAddress;
        private boolean readAhead = true;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration commandTimeout = NO_TIMEOUT;
        private int maxFrameLength = ProtocolVersion.DEFAULT_MAX_FRAME_LENGTH;
        private String clientName = "ferry-java";
        private int eventLoopThreads = 1;
        private int resumeAttempts = 3;
        private Duration resumeBackoff = Duration.ofMillis(100);
        private ClientTlsOptions tls;
        private boolean resumeOnConnectionLoss;
        private Duration claimWait = Duration.ofSeconds(15);
        private int maxOutstanding = 128;

        private Builder() {}

        public Builder serviceAddress(String hostPort) {
            this.serviceAddress = hostPort;
            return this;
        }

        public Builder readAhead(boolean readAhead) {
            this.readAhead = readAhead;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = timeout;
            return this;
        }

        public Builder maxFrameLength(int bytes) {
            this.maxFrameLength = bytes;
            return this;
        }

        public Builder clientName(String name) {
            this.clientName = name;
            return this;
        }

        public Builder eventLoopThreads(int threads) {
            this.eventLoopThreads = threads;
            return this;
        }

        public Builder resumeAttempts(int passes) {
            this.resumeAttempts = passes;
            return this;
        }

        public Builder resumeBackoff(Duration backoff) {
            this.resumeBackoff = backoff;
            return this;
        }

        /**
         * Connects with TLS (null: plain TCP, the default). A fleet serves either TLS or plain
         * TCP on its client port, so one setting covers every server the session moves to.
         * The TLS handshake is bounded by {@link #connectTimeout(Duration)}.
         */
        public Builder tls(ClientTlsOptions tls) {
            this.tls = tls;
            return this;
        }

        /**
         * For fleets whose servers run in write-through mode (they save each session at every
         * command boundary; reference server: FERRY_WRITE_THROUGH=true). When the connection drops
         * with no migration under way, the session is resumed from the saved state at the service
         * address (then the address it was on), with the usual resume attempts, instead of ending.
         * A command outstanding at that moment fails with {@link ServerLostException} and is not
         * re-sent (it may have run); later commands run on the new server. If nothing was saved,
         * the session ends with {@link SessionLostException} as without this option. Default off.
         */
        public Builder resumeOnConnectionLoss(boolean on) {
            this.resumeOnConnectionLoss = on;
            return this;
        }

        /**
         * How long one resume keeps asking a server that answers CLAIM_PENDING: another server
         * claimed the session for an earlier attempt of this client that never got its WELCOME
         * (that server is slow, or died while resuming it). Once the other server's confirmation
         * deadline passes (5 s by default on the server), this client's RESUME takes the session
         * over. Default 15 s; zero treats CLAIM_PENDING as a failed path at once.
         */
        public Builder claimWait(Duration wait) {
            this.claimWait = wait;
            return this;
        }

        /**
         * Bound on the commands one session has outstanding (submitted, no final DONE yet). A
         * {@link FerrySession#submit} beyond it blocks until an earlier command ends, for at most
         * {@link #commandTimeout(Duration)}, then throws {@link CommandTimeoutException}; nothing is
         * sent for it. It bounds the rows and requests a session buffers, and what a migration
         * re-sends. Default 128; 1 runs one command at a time.
         */
        public Builder maxOutstanding(int commands) {
            this.maxOutstanding = commands;
            return this;
        }

        /** @throws IllegalArgumentException if a value is out of range or the service address is missing */
        public ClientOptions build() {
            return new ClientOptions(this);
        }
    }
}
