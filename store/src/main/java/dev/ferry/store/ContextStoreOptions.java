package dev.ferry.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach a context store and how long to wait for it. Immutable; build with
 * {@link #builder()}. Defaults: URI {@code memory:}, key prefix {@code ferry:session:}, command
 * timeout 2 s, connect timeout 2 s.
 *
 * <p>The URI forms are listed in {@link ContextStores}.
 */
public final class ContextStoreOptions {
    public static final String DEFAULT_URI = "memory:";
    public static final String DEFAULT_KEY_PREFIX = "ferry:session:";
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private final String uri;
    private final String keyPrefix;
    private final Duration commandTimeout;
    private final Duration connectTimeout;
    private final Path trustCaPem;

    private ContextStoreOptions(Builder builder) {
        this.uri = builder.uri;
        this.keyPrefix = builder.keyPrefix;
        this.commandTimeout = builder.commandTimeout;
        this.connectTimeout = builder.connectTimeout;
        this.trustCaPem = builder.trustCaPem;
    }

    public static ContextStoreOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The store URI; may contain a password, so never log it (use {@link ContextStore#describe()}). */
    public String uri() {
        return uri;
    }

    /** Prepended to every Redis key; the session ID follows in braces (a Cluster hash tag). */
    public String keyPrefix() {
        return keyPrefix;
    }

    /** How long one command may take before its future fails with {@link StoreUnavailableException}. */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /** How long establishing a connection may take. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * PEM file of the CA that signed Redis's certificate, for {@code rediss://} URIs; null = the
     * JDK's default trust store. The certificate must name the host of the URI.
     */
    public Path trustCaPem() {
        return trustCaPem;
    }

    /** A copy with another URI. */
    public ContextStoreOptions withUri(String uri) {
        return toBuilder().uri(uri).build();
    }

    public Builder toBuilder() {
        return builder()
                .uri(uri)
                .keyPrefix(keyPrefix)
                .commandTimeout(commandTimeout)
                .connectTimeout(connectTimeout)
                .trustCaPem(trustCaPem);
    }

    @Override
    public String toString() {
        // The URI is left out on purpose: it may carry a password.
        return "ContextStoreOptions[keyPrefix=" + keyPrefix + ", commandTimeout=" + commandTimeout + ", connectTimeout="
                + connectTimeout + (trustCaPem == null ? "" : ", trustCaPem=" + trustCaPem) + "]";
    }

    public static final class Builder {
        private String uri = DEFAULT_URI;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Path trustCaPem;

        private Builder() {}

        /** CA (PEM) to trust for {@code rediss://}; null (default) = the JDK's trust store. */
        public Builder trustCaPem(Path caPem) {
            if (caPem != null && !Files.isReadable(caPem)) {
                throw new IllegalArgumentException(
                        "the store's CA file " + caPem + " does not exist or is not readable");
            }
            this.trustCaPem = caPem;
            return this;
        }

        public Builder uri(String uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
            return this;
        }

        public Builder keyPrefix(String keyPrefix) {
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            // Braces would break the hash tag that keeps a session's key on one Cluster slot.
            if (keyPrefix.contains("{") || keyPrefix.contains("}")) {
                throw new IllegalArgumentException("keyPrefix must not contain '{' or '}': " + keyPrefix);
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        public Builder commandTimeout(Duration commandTimeout) {
            this.commandTimeout = positive(commandTimeout, "commandTimeout");
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive(connectTimeout, "connectTimeout");
            return this;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isZero() || d.isNegative()) throw new IllegalArgumentException(name + " must be positive, got " + d);
            return d;
        }

        public ContextStoreOptions build() {
            return new ContextStoreOptions(this);
        }
    }
}
