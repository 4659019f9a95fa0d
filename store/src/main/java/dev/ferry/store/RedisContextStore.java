package dev.ferry.store;

import dev.ferry.protocol.SessionId;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The context store on Redis (standalone, Sentinel or Cluster), through Lettuce's async API, so
 * the exports and claims of many sessions pipeline over one connection.
 *
 * <p>One hash per session under {@code <prefix>{<sessionIdHex>}}; the braces are a Cluster hash
 * tag. The layout and the scripts are in {@link RedisScripts}. Create it with
 * {@link ContextStores#open}.
 *
 * <p>Every failure to reach Redis — not connected, timed out, cluster down, wrong password —
 * completes the future with {@link StoreUnavailableException}, at the latest after the connect
 * plus command timeout.
 */
public final class RedisContextStore implements ContextStore {
    private static final Logger log = LoggerFactory.getLogger(RedisContextStore.class);

    private final RedisConnector connector;
    private final String keyPrefix;
    private final String description;
    /** A safety net over Lettuce's own timeouts: no future outlives connect + command timeout. */
    private final long deadlineMillis;

    RedisContextStore(RedisConnector connector, ContextStoreOptions options, String description) {
        this.connector = connector;
        this.keyPrefix = options.keyPrefix();
        this.description = description + " (prefix " + keyPrefix + ")";
        this.deadlineMillis = options.connectTimeout()
                .plus(options.commandTimeout())
                .plusMillis(500)
                .toMillis();
    }

    @Override
    public CompletableFuture<Void> export(SessionId id, ExportedContext context, Duration ttl) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(context, "context");
        byte[] ttlMillis = millis(InMemoryContextStore.positiveNanos(ttl, "ttl"));
        return run(
                        "export",
                        id,
                        RedisScripts.EXPORT,
                        ScriptOutputType.INTEGER,
                        context.tokenSha256(),
                        context.payload(),
                        ttlMillis)
                .thenApply(ignored -> null);
    }

    @Override
    public CompletableFuture<Boolean> save(
            SessionId id, ExportedContext context, String owner, List<String> ownClaimants, Duration ttl) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(owner, "owner");
        byte[] ttlMillis = millis(InMemoryContextStore.positiveNanos(ttl, "ttl"));
        byte[][] args = new byte[5 + ownClaimants.size()][];
        args[0] = context.tokenSha256();
        args[1] = context.payload();
        args[2] = ttlMillis;
        args[3] = owner.getBytes(StandardCharsets.UTF_8);
        args[4] = owner.getBytes(StandardCharsets.UTF_8); // its own claim counts as its own
        for (int i = 0; i < ownClaimants.size(); i++)
            args[5 + i] = ownClaimants.get(i).getBytes(StandardCharsets.UTF_8);
        return run("save", id, RedisScripts.SAVE, ScriptOutputType.INTEGER, args)
                .thenApply(reply -> (Long) reply == 1L);
    }

    @Override
    public CompletableFuture<ClaimResult> claim(
            SessionId id, byte[] tokenSha256, String claimant, Duration tombstoneTtl, Duration confirmWithin) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tokenSha256, "tokenSha256");
        Objects.requireNonNull(claimant, "claimant");
        byte[] tombstoneMillis = millisOrZero(InMemoryContextStore.nonNegativeNanos(tombstoneTtl, "tombstoneTtl"));
        byte[] confirmMillis = millisOrZero(InMemoryContextStore.nonNegativeNanos(confirmWithin, "confirmWithin"));
        return run(
                        "claim",
                        id,
                        RedisScripts.CLAIM,
                        ScriptOutputType.MULTI,
                        tokenSha256,
                        claimant.getBytes(StandardCharsets.UTF_8),
                        tombstoneMillis,
                        confirmMillis)
                .thenApply(RedisContextStore::toClaimResult);
    }

    @Override
    public CompletableFuture<Boolean> confirm(SessionId id, String claimant, Duration tombstoneTtl) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(claimant, "claimant");
        byte[] tombstoneMillis = millisOrZero(InMemoryContextStore.nonNegativeNanos(tombstoneTtl, "tombstoneTtl"));
        return run(
                        "confirm",
                        id,
                        RedisScripts.CONFIRM,
                        ScriptOutputType.INTEGER,
                        claimant.getBytes(StandardCharsets.UTF_8),
                        tombstoneMillis)
                .thenApply(reply -> (Long) reply == 1L);
    }

    /** Whole milliseconds, rounded up so a sub-millisecond duration does not become 0 ("none"). */
    private static byte[] millisOrZero(long nanos) {
        return nanos == 0 ? ascii("0") : millis(nanos);
    }

    /** PTTL's answer as a duration; a record without expiry (not one Ferry writes) counts as none left. */
    private static Duration ttlLeft(long pttlMillis) {
        return Duration.ofMillis(Math.max(0, pttlMillis));
    }

    private static ClaimResult toClaimResult(Object reply) {
        List<?> items = (List<?>) reply;
        long code = (Long) items.getFirst();
        if (code == RedisScripts.CLAIMED) {
            return new ClaimResult.Claimed((byte[]) items.get(1), null, ttlLeft((Long) items.get(2)));
        }
        if (code == RedisScripts.TAKEN_OVER) {
            return new ClaimResult.Claimed(
                    (byte[]) items.get(1), new String((byte[]) items.get(2), StandardCharsets.UTF_8), ttlLeft((Long)
                            items.get(3)));
        }
        if (code == RedisScripts.ALREADY_CLAIMED) {
            return new ClaimResult.AlreadyClaimed(new String((byte[]) items.get(1), StandardCharsets.UTF_8));
        }
        if (code == RedisScripts.UNCONFIRMED) {
            return new ClaimResult.Unconfirmed(
                    new String((byte[]) items.get(1), StandardCharsets.UTF_8),
                    Duration.ofMillis(Math.max(1, (Long) items.get(2))));
        }
        if (code == RedisScripts.BAD_TOKEN) return new ClaimResult.BadToken();
        return new ClaimResult.Expired();
    }

    @Override
    public CompletableFuture<Boolean> expire(SessionId id, Duration ttl) {
        Objects.requireNonNull(id, "id");
        byte[] ttlMillis = millis(InMemoryContextStore.positiveNanos(ttl, "ttl"));
        return run("expire", id, RedisScripts.EXPIRE, ScriptOutputType.INTEGER, ttlMillis)
                .thenApply(reply -> (Long) reply == 1L);
    }

    @Override
    public CompletableFuture<Void> delete(SessionId id) {
        Objects.requireNonNull(id, "id");
        byte[] key = key(id);
        return guarded(
                        "delete",
                        connector.commands().thenCompose(c -> c.keys().del(key).toCompletableFuture()))
                .thenApply(ignored -> null);
    }

    @Override
    public CompletableFuture<Void> ping() {
        return guarded(
                        "ping",
                        connector.commands().thenCompose(c -> c.base().ping().toCompletableFuture()))
                .thenApply(ignored -> null);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        connector.close();
        log.debug("closed context store {}", description);
    }

    /** The Redis key of a session's record. */
    byte[] key(SessionId id) {
        return (keyPrefix + "{" + id + "}").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Runs a script by its SHA; a server that does not have it yet (new, restarted, or another
     * Cluster node) answers NOSCRIPT, and EVAL then both runs and caches it.
     */
    private CompletableFuture<Object> run(
            String operation, SessionId id, LuaScript script, ScriptOutputType type, byte[]... args) {
        byte[][] keys = {key(id)};
        CompletableFuture<Object> result = connector
                .commands()
                .thenCompose(c -> c.scripting()
                        .<Object>evalsha(script.sha1(), type, keys, args)
                        .toCompletableFuture()
                        .exceptionallyCompose(failure -> unwrap(failure) instanceof RedisNoScriptException
                                ? c.scripting()
                                        .<Object>eval(script.source(), type, keys, args)
                                        .toCompletableFuture()
                                : CompletableFuture.failedFuture(failure)));
        return guarded(operation, result);
    }

    /** Bounds the future by the deadline and turns every way of not reaching Redis into one exception. */
    private <T> CompletableFuture<T> guarded(String operation, CompletableFuture<T> future) {
        return future.orTimeout(deadlineMillis, TimeUnit.MILLISECONDS)
                .exceptionallyCompose(failure -> CompletableFuture.failedFuture(translate(operation, failure)));
    }

    private Throwable translate(String operation, Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof StoreUnavailableException) return cause;
        if (cause instanceof RedisException
                || cause instanceof IOException
                || cause instanceof TimeoutException
                || cause instanceof CancellationException) {
            // Lettuce's messages name hosts and ports, never passwords.
            return new StoreUnavailableException(
                    "context store " + description + ": " + operation + " failed: " + cause, cause);
        }
        return cause;
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** Milliseconds as a decimal string, rounded up so a sub-millisecond TTL is not "expire now". */
    private static byte[] millis(long nanos) {
        return ascii(Long.toString(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999))));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
