package dev.ferry.store;

import dev.ferry.protocol.SessionId;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * A context store inside one process: for tests and for a server that runs alone. Records expire
 * lazily when touched; the no-argument constructor also sweeps expired records every few seconds
 * so abandoned sessions do not pile up.
 *
 * <p>Every operation completes before it returns (the futures are already done). Payloads are
 * copied in and out, so callers may reuse their arrays.
 */
public final class InMemoryContextStore implements ContextStore {
    private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(5);

    private sealed interface Record {
        byte[] tokenSha256();

        byte[] payload();

        long expiresAtNanos();
    }

    /** {@code owner}: the server that saved it by write-through; null for a migration's export. */
    private record Exported(byte[] tokenSha256, byte[] payload, long expiresAtNanos, String owner) implements Record {
        Exported(byte[] tokenSha256, byte[] payload, long expiresAtNanos) {
            this(tokenSha256, payload, expiresAtNanos, null);
        }
    }

    /**
     * Keeps the claim's token hash and payload so the same claimant can repeat a claim whose answer it lost.
     * {@code provisional}: not confirmed yet; then another claim may take it over from {@code confirmByNanos} on.
     */
    private record Tombstone(
            String claimant,
            byte[] tokenSha256,
            byte[] payload,
            long expiresAtNanos,
            boolean provisional,
            long confirmByNanos)
            implements Record {
        Tombstone(String claimant, byte[] tokenSha256, byte[] payload, long expiresAtNanos) {
            this(claimant, tokenSha256, payload, expiresAtNanos, false, 0);
        }
    }

    private final Map<SessionId, Record> records = new ConcurrentHashMap<>();
    private final LongSupplier nanoTime;
    private final ScheduledExecutorService sweeper;
    private volatile boolean closed;

    /** Real time, with a background sweep of expired records. */
    public InMemoryContextStore() {
        this.nanoTime = System::nanoTime;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ferry-memory-store-sweeper");
            thread.setDaemon(true);
            return thread;
        });
        sweeper.scheduleWithFixedDelay(
                this::sweepExpired, SWEEP_INTERVAL.toMillis(), SWEEP_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * A store on the given clock (for tests: a fake {@code System.nanoTime()}); no background
     * thread, expired records go when touched or on {@link #sweepExpired()}.
     */
    public InMemoryContextStore(LongSupplier nanoTime) {
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.sweeper = null;
    }

    @Override
    public CompletableFuture<Void> export(SessionId id, ExportedContext context, Duration ttl) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(context, "context");
        long ttlNanos = positiveNanos(ttl, "ttl");
        if (closed) return closedFuture();
        records.put(
                id,
                new Exported(
                        context.tokenSha256().clone(), context.payload().clone(), nanoTime.getAsLong() + ttlNanos));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Boolean> save(
            SessionId id, ExportedContext context, String owner, List<String> ownClaimants, Duration ttl) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(owner, "owner");
        long ttlNanos = positiveNanos(ttl, "ttl");
        if (closed) return closedFuture();
        long now = nanoTime.getAsLong();
        boolean[] saved = {false};
        records.compute(id, (key, record) -> {
            if (record != null && !isExpired(record, now)) {
                boolean ours = switch (record) {
                    case Tombstone t -> t.claimant().equals(owner) || ownClaimants.contains(t.claimant());
                    case Exported e -> e.owner() == null || e.owner().equals(owner);
                };
                if (!ours) return record;
            }
            saved[0] = true;
            return new Exported(context.tokenSha256().clone(), context.payload().clone(), now + ttlNanos, owner);
        });
        return CompletableFuture.completedFuture(saved[0]);
    }

    @Override
    public CompletableFuture<ClaimResult> claim(
            SessionId id, byte[] tokenSha256, String claimant, Duration tombstoneTtl, Duration confirmWithin) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tokenSha256, "tokenSha256");
        Objects.requireNonNull(claimant, "claimant");
        long tombstoneNanos = nonNegativeNanos(tombstoneTtl, "tombstoneTtl");
        long confirmNanos = nonNegativeNanos(confirmWithin, "confirmWithin");
        if (closed) return closedFuture();
        AtomicReference<ClaimResult> result = new AtomicReference<>();
        long now = nanoTime.getAsLong();
        // compute() runs atomically per key: of racing claims, one sees the exported record.
        records.compute(id, (key, record) -> {
            if (record == null || isExpired(record, now)) {
                result.set(new ClaimResult.Expired());
                return null;
            }
            String previous = null;
            if (record instanceof Tombstone tombstone) {
                boolean sameToken = MessageDigest.isEqual(tombstone.tokenSha256(), tokenSha256);
                if (tombstone.claimant().equals(claimant) && sameToken) {
                    result.set(new ClaimResult.Claimed(
                            tombstone.payload().clone(), null, Duration.ofNanos(tombstone.expiresAtNanos() - now)));
                    return record;
                }
                if (!tombstone.provisional() || !sameToken) {
                    result.set(new ClaimResult.AlreadyClaimed(tombstone.claimant()));
                    return record;
                }
                long left = tombstone.confirmByNanos() - now;
                if (left > 0) {
                    result.set(new ClaimResult.Unconfirmed(tombstone.claimant(), Duration.ofNanos(left)));
                    return record;
                }
                previous = tombstone.claimant();
            } else if (!MessageDigest.isEqual(record.tokenSha256(), tokenSha256)) {
                result.set(new ClaimResult.BadToken());
                return record;
            }
            byte[] token = record.tokenSha256();
            byte[] payload = record.payload();
            result.set(new ClaimResult.Claimed(
                    payload.clone(), previous, Duration.ofNanos(record.expiresAtNanos() - now)));
            if (confirmNanos > 0) {
                long expiresAt = Math.max(record.expiresAtNanos(), now + confirmNanos);
                return new Tombstone(claimant, token, payload, expiresAt, true, now + confirmNanos);
            }
            return tombstoneNanos == 0 ? null : new Tombstone(claimant, token, payload, now + tombstoneNanos);
        });
        return CompletableFuture.completedFuture(result.get());
    }

    @Override
    public CompletableFuture<Boolean> confirm(SessionId id, String claimant, Duration tombstoneTtl) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(claimant, "claimant");
        long tombstoneNanos = nonNegativeNanos(tombstoneTtl, "tombstoneTtl");
        if (closed) return closedFuture();
        long now = nanoTime.getAsLong();
        boolean[] ours = {false};
        records.computeIfPresent(id, (key, record) -> {
            if (isExpired(record, now)) return null;
            switch (record) {
                case Exported e -> {
                    ours[0] = claimant.equals(e.owner());
                    return record;
                }
                case Tombstone t -> {
                    if (!t.claimant().equals(claimant)) return record;
                    ours[0] = true;
                    if (!t.provisional()) return record;
                    return tombstoneNanos == 0
                            ? null
                            : new Tombstone(claimant, t.tokenSha256(), t.payload(), now + tombstoneNanos);
                }
            }
        });
        return CompletableFuture.completedFuture(ours[0]);
    }

    @Override
    public CompletableFuture<Boolean> expire(SessionId id, Duration ttl) {
        Objects.requireNonNull(id, "id");
        long ttlNanos = positiveNanos(ttl, "ttl");
        if (closed) return closedFuture();
        long now = nanoTime.getAsLong();
        boolean[] updated = {false};
        records.computeIfPresent(id, (key, record) -> {
            if (isExpired(record, now)) return null;
            if (record instanceof Exported exported) {
                updated[0] = true;
                return new Exported(exported.tokenSha256(), exported.payload(), now + ttlNanos, exported.owner());
            }
            return record;
        });
        return CompletableFuture.completedFuture(updated[0]);
    }

    @Override
    public CompletableFuture<Void> delete(SessionId id) {
        Objects.requireNonNull(id, "id");
        if (closed) return closedFuture();
        records.remove(id);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> ping() {
        return closed ? closedFuture() : CompletableFuture.completedFuture(null);
    }

    /** Removes every expired record. @return how many it removed */
    public int sweepExpired() {
        long now = nanoTime.getAsLong();
        int[] removed = {0};
        records.forEach((id, record) -> {
            if (isExpired(record, now) && records.remove(id, record)) removed[0]++;
        });
        return removed[0];
    }

    /** Records held right now, including expired ones not yet swept. */
    public int recordCount() {
        return records.size();
    }

    @Override
    public String describe() {
        return "memory:";
    }

    @Override
    public void close() {
        closed = true;
        if (sweeper != null) sweeper.shutdownNow();
        records.clear();
    }

    private static boolean isExpired(Record record, long now) {
        return now - record.expiresAtNanos() >= 0;
    }

    private static <T> CompletableFuture<T> closedFuture() {
        return CompletableFuture.failedFuture(
                new StoreUnavailableException("the in-memory context store is closed", null));
    }

    static long positiveNanos(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) throw new IllegalArgumentException(name + " must be positive, got " + d);
        return saturatedNanos(d);
    }

    static long nonNegativeNanos(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) throw new IllegalArgumentException(name + " must not be negative, got " + d);
        return saturatedNanos(d);
    }

    private static long saturatedNanos(Duration d) {
        // Cap at ~100 years so now + ttl cannot overflow the nanoTime arithmetic.
        return d.compareTo(Duration.ofDays(36_500)) > 0
                ? Duration.ofDays(36_500).toNanos()
                : d.toNanos();
    }
}
