package dev.ferry.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a {@link ContextStore} from a URI:
 * <ul>
 *   <li>{@code memory:} — {@link InMemoryContextStore}, one process only;</li>
 *   <li>{@code redis://[[user]:password@]host[:port][/database]}, {@code rediss://...} for TLS — one
 *       Redis server;</li>
 *   <li>{@code redis-sentinel://[[user]:password@]host[:port][,host[:port]...][/database]#masterId}
 *       — the master that the Sentinels name (Lettuce's Sentinel URI form);</li>
 *   <li>{@code redis-cluster://[[user]:password@]host:port[,host:port...]}, or
 *       {@code rediss-cluster://} for TLS — a Redis Cluster through these seed nodes.</li>
 * </ul>
 * Opening does not connect: a Redis store connects on first use, so a server can start while
 * Redis is down ({@link ContextStore#ping()} tells whether it is reachable).
 */
public final class ContextStores {
    private static final Logger log = LoggerFactory.getLogger(ContextStores.class);

    private ContextStores() {}

    /** Opens {@code uri} with the default options. */
    public static ContextStore open(String uri) {
        return open(ContextStoreOptions.builder().uri(requireUri(uri)).build());
    }

    /** Opens {@code uri} with {@code options} (whose own URI is ignored). */
    public static ContextStore open(String uri, ContextStoreOptions options) {
        return open(options.withUri(requireUri(uri)));
    }

    /** @throws IllegalArgumentException if the URI is not one of the forms above; the message lists them */
    public static ContextStore open(ContextStoreOptions options) {
        StoreUri parsed = StoreUri.parse(options.uri());
        ContextStore store = switch (parsed) {
            case StoreUri.Memory memory -> new InMemoryContextStore();
            case StoreUri.Single single ->
                new RedisContextStore(RedisConnector.single(single.redisUri(), options), options, parsed.describe());
            case StoreUri.Cluster cluster ->
                new RedisContextStore(RedisConnector.cluster(cluster.seeds(), options), options, parsed.describe());
        };
        log.info("context store {}", store.describe());
        return store;
    }

    /**
     * Checks a URI without opening anything, for configuration validation.
     *
     * @return a description of it that is safe to log (no password)
     * @throws IllegalArgumentException if it is not one of the accepted forms
     */
    public static String validateUri(String uri) {
        return StoreUri.parse(uri).describe();
    }

    private static String requireUri(String uri) {
        if (uri == null) throw new IllegalArgumentException("the context store URI is missing; " + StoreUri.EXPECTED);
        return uri;
    }
}
