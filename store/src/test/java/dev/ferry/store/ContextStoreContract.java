package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.protocol.SessionId;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ContextStore} must do, run against each implementation. Subclasses supply the
 * store and a way to let time pass (a fake clock moves; real time just goes on, and the tests
 * wait for the effect with Awaitility).
 */
abstract class ContextStoreContract {
    static final SecureRandom RANDOM = new SecureRandom();
    static final Duration LONG_TTL = Duration.ofMinutes(5);
    static final Duration SHORT_TTL = Duration.ofMillis(300);
    static final Duration WAIT = Duration.ofSeconds(5);
    static final Duration CALL = Duration.ofSeconds(5);

    protected ContextStore store;

    /** A fresh store for each test. */
    protected abstract ContextStore newStore();

    /** Makes at least {@code d} pass for the store. */
    protected abstract void letTimePass(Duration d);

    @BeforeEach
    void openStore() {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    static SessionId newId() {
        return SessionId.random(RANDOM);
    }

    static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    static ExportedContext newContext() {
        return new ExportedContext(randomBytes(32), randomBytes(100));
    }

    static <T> T join(CompletableFuture<T> future) {
        return future.orTimeout(CALL.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    ClaimResult claim(SessionId id, byte[] hash, String claimant) {
        return join(store.claim(id, hash, claimant, LONG_TTL));
    }

    /** A claim that cannot succeed: probes whether a record is there without changing it. */
    ClaimResult probe(SessionId id) {
        return claim(id, new byte[32], "probe");
    }

    @Test
    void exportThenClaimReturnsThePayload() {
        SessionId id = newId();
        ExportedContext context = newContext();
        join(store.export(id, context, LONG_TTL));

        ClaimResult result = claim(id, context.tokenSha256().clone(), "server-b");

        assertThat(result).isInstanceOf(ClaimResult.Claimed.class);
        assertThat(((ClaimResult.Claimed) result).payload()).isEqualTo(context.payload());
    }

    @Test
    void aClaimSaysHowLongTheRecordHadLeftSoAHandBackKeepsTheTimersBound() {
        SessionId id = newId();
        ExportedContext context = newContext();
        Duration exportTtl = Duration.ofSeconds(30); // apart from the tombstone TTL the claims below ask for
        join(store.export(id, context, exportTtl));
        letTimePass(SHORT_TTL);

        ClaimResult.Claimed claimed = (ClaimResult.Claimed) claim(id, context.tokenSha256(), "server-b");

        assertThat(claimed.ttlLeft()).isPositive().isLessThanOrEqualTo(exportTtl);
        // A claimant that repeats its claim learns what the record has left, not a fresh TTL.
        ClaimResult.Claimed repeated = (ClaimResult.Claimed) claim(id, context.tokenSha256(), "server-b");
        assertThat(repeated.ttlLeft()).isPositive().isLessThanOrEqualTo(LONG_TTL);
    }

    // ---------------------------------------------------------------- write-through save

    boolean save(SessionId id, ExportedContext context, String owner) {
        return join(store.save(id, context, owner, List.of(owner + "#cancel"), LONG_TTL));
    }

    @Test
    void aSavedSessionCanBeResumedAfterItsServerDied() {
        SessionId id = newId();
        ExportedContext context = newContext();
        assertThat(save(id, context, "server-a")).isTrue();

        ClaimResult result = claim(id, context.tokenSha256(), "server-b");
        assertThat(result).isInstanceOf(ClaimResult.Claimed.class);
        assertThat(((ClaimResult.Claimed) result).payload()).isEqualTo(context.payload());
    }

    @Test
    void theOwnerSavesAgainOverItsOwnRecordAndItsOwnClaims() {
        SessionId id = newId();
        ExportedContext first = newContext();
        assertThat(save(id, first, "server-a")).isTrue();
        ExportedContext second = new ExportedContext(first.tokenSha256(), randomBytes(50));
        assertThat(save(id, second, "server-a")).isTrue();
        assertThat(((ClaimResult.Claimed) claim(id, first.tokenSha256(), "server-a#cancel")).payload())
                .isEqualTo(second.payload());
        assertThat(save(id, second, "server-a"))
                .as("after its own cancel claim")
                .isTrue();
        // A migration's export (no owner) is overwritten by the server that exported it, if it keeps the session.
        join(store.export(id, first, LONG_TTL));
        assertThat(save(id, first, "server-a")).isTrue();
    }

    @Test
    void aSaveNeverOverwritesASessionAnotherServerTookOver() {
        SessionId id = newId();
        ExportedContext context = newContext();
        assertThat(save(id, context, "server-a")).isTrue();
        assertThat(claim(id, context.tokenSha256(), "server-b")).isInstanceOf(ClaimResult.Claimed.class);

        assertThat(save(id, newContext(), "server-a")).as("claimed by server-b").isFalse();
        assertThat(save(id, context, "server-b"))
                .as("the claimant saves over its claim")
                .isTrue();
        assertThat(save(id, newContext(), "server-a")).as("saved by server-b").isFalse();
        ClaimResult result = claim(id, context.tokenSha256(), "server-c");
        assertThat(((ClaimResult.Claimed) result).payload()).isEqualTo(context.payload());
    }

    @Test
    void concurrentSavesAndAClaimLeaveExactlyOneOwner() throws Exception {
        for (int round = 0; round < 20; round++) {
            SessionId id = newId();
            ExportedContext context = newContext();
            assertThat(save(id, context, "server-a")).isTrue();
            CompletableFuture<ClaimResult> claim =
                    CompletableFuture.supplyAsync(() -> claim(id, context.tokenSha256(), "server-b"));
            List<CompletableFuture<Boolean>> saves = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                saves.add(CompletableFuture.supplyAsync(
                        () -> save(id, new ExportedContext(context.tokenSha256(), randomBytes(10)), "server-a")));
            }
            assertThat(join(claim)).isInstanceOf(ClaimResult.Claimed.class);
            saves.forEach(CompletableFuture::join);
            // Whatever the order, after the claim server-a can no longer save.
            assertThat(save(id, newContext(), "server-a")).isFalse();
        }
    }

    @Test
    void payloadsAreOpaqueBytes() {
        byte[] everyByte = new byte[256];
        for (int i = 0; i < 256; i++) everyByte[i] = (byte) i;
        for (byte[] payload : List.of(new byte[0], everyByte, randomBytes(1 << 20))) {
            SessionId id = newId();
            ExportedContext context = new ExportedContext(randomBytes(32), payload);
            join(store.export(id, context, LONG_TTL));
            ClaimResult result = claim(id, context.tokenSha256(), "b");
            assertThat(result)
                    .isInstanceOfSatisfying(
                            ClaimResult.Claimed.class,
                            claimed -> assertThat(claimed.payload()).isEqualTo(payload));
        }
    }

    @Test
    void callerMayReuseItsArraysAfterExport() {
        SessionId id = newId();
        byte[] hash = randomBytes(32);
        byte[] payload = randomBytes(64);
        byte[] expected = payload.clone();
        byte[] hashCopy = hash.clone();
        join(store.export(id, new ExportedContext(hash, payload), LONG_TTL));
        payload[0] ^= 1;
        hash[0] ^= 1;

        assertThat(claim(id, hashCopy, "b"))
                .isInstanceOfSatisfying(
                        ClaimResult.Claimed.class,
                        claimed -> assertThat(claimed.payload()).isEqualTo(expected));
    }

    @Test
    void wrongTokenIsBadTokenAndChangesNothing() {
        SessionId id = newId();
        ExportedContext context = newContext();
        join(store.export(id, context, LONG_TTL));
        byte[] wrong = context.tokenSha256().clone();
        wrong[31] ^= 1;

        assertThat(claim(id, wrong, "attacker")).isInstanceOf(ClaimResult.BadToken.class);
        assertThat(claim(id, new byte[5], "attacker")).isInstanceOf(ClaimResult.BadToken.class);

        assertThat(claim(id, context.tokenSha256(), "server-b"))
                .isInstanceOfSatisfying(
                        ClaimResult.Claimed.class,
                        claimed -> assertThat(claimed.payload()).isEqualTo(context.payload()));
    }

    @Test
    void secondClaimIsAlreadyClaimedAndNamesTheClaimant() {
        SessionId id = newId();
        ExportedContext context = newContext();
        join(store.export(id, context, LONG_TTL));
        assertThat(claim(id, context.tokenSha256(), "server-b")).isInstanceOf(ClaimResult.Claimed.class);

        assertThat(claim(id, context.tokenSha256(), "server-c")).isEqualTo(new ClaimResult.AlreadyClaimed("server-b"));
        assertThat(claim(id, new byte[32], "server-c")).isEqualTo(new ClaimResult.AlreadyClaimed("server-b"));
        // Even the winner with the wrong token is told it is claimed, and nothing more.
        assertThat(claim(id, new byte[32], "server-b")).isEqualTo(new ClaimResult.AlreadyClaimed("server-b"));
    }

    @Test
    void theSameClaimantWithTheSameTokenCanRepeatAClaimWhoseAnswerItLost() {
        SessionId id = newId();
        ExportedContext context = newContext();
        join(store.export(id, context, LONG_TTL));
        assertThat(claim(id, context.tokenSha256(), "server-b")).isInstanceOf(ClaimResult.Claimed.class);

        assertThat(claim(id, context.tokenSha256(), "server-b"))
                .isInstanceOfSatisfying(
                        ClaimResult.Claimed.class,
                        again -> assertThat(again.payload()).isEqualTo(context.payload()));
        assertThat(claim(id, context.tokenSha256(), "server-c")).isEqualTo(new ClaimResult.AlreadyClaimed("server-b"));
    }

    ClaimResult provisionalClaim(SessionId id, byte[] hash, String claimant, Duration confirmWithin) {
        return join(store.claim(id, hash, claimant, LONG_TTL, confirmWithin));
    }

    @Test
    void aProvisionalClaimKeepsOthersOutUntilItsDeadlineAndSaysHowLongToWait() {
        SessionId id = newId();
        ExportedContext context = newContext();
        join(store.export(id, context, LONG_TTL));
        assertThat(provisionalClaim(id, context.tokenSha256(), "server-b", LONG_TTL))
                .isInstanceOfSatisfying(
                        ClaimResult.Claimed.class,
                        claimed -> assertThat(claimed.previousClaimant()).isNull());

        assertThat(provisionalClaim(id, context.tokenSha256(), "server-c", LONG_TTL))
                .isInstanceOfSatisfying(ClaimResult.Unconfirmed.class, pending -> {
                    assertThat(pending.claimant()).isEqualTo("server-b");
                    assertThat(pending.retryAfter()).isPositive().isLessThanOrEqualTo(LONG_TTL);
                });
        // Without the token nobody learns more than "claimed", and nobody can wait it out.
        assertThat(provisionalClaim(id, new byte[32], "server-c", LONG_TTL))
                .isEqualTo(new ClaimResult.AlreadyClaimed("server-b"));
        // The claimant itself may repeat it (a lost answer).
        assertThat(provisionalClaim(id, context.tokenSha256(), "server-b", LONG_TTL))
                .isInstanceOf(ClaimResult.Claimed.class);
    }

    @Test
    void aClaimLeftUnconfirmedPastItsDeadlineIsTakenOverOnceAndTheLateConfirmationIsRefused() {
        SessionId id = newId();
        ExportedContext context = newContext();
        join(store.export(id, context, LONG_TTL));
        assertThat(provisionalClaim(id, context.tokenSha256(), "dead-target", SHORT_TTL))
                .isInstanceOf(ClaimResult.Claimed.class);
        letTimePass(SHORT_TTL);

        await().atMost(WAIT)
                .until(() -> !(provisionalClaim(id, context.tokenSha256(), "server-c", LONG_TTL)
                        instanceof ClaimResult.Unconfirmed));
        assertThat(probe(id)).isEqualTo(new ClaimResult.AlreadyClaimed("server-c"));
        assertThat(provisionalClaim(id, context.tokenSha256(), "server-d", LONG_TTL))
                .isInstanceOf(ClaimResult.Unconfirmed.class);
        assertThat(join(store.confirm(id, "dead-target", LONG_TTL)))
                .as("the claimant that was taken over")
                .isFalse();
        assertThat(join(store.confirm(id, "server-c", LONG_TTL))).isTrue();
        assertThat(provisionalClaim(id, context.tokenSha256(), "server-d", LONG_TTL))
                .isEqualTo(new ClaimResult.AlreadyClaimed("server-c"));
    }

    @Test
    void theTakeOverNamesTheClaimantThatNeverConfirmedAndReturnsTheContext() {
        SessionId id = newId();
        ExportedContext context = newContext();
        join(store.export(id, context, LONG_TTL));
        provisionalClaim(id, context.tokenSha256(), "dead-target", SHORT_TTL);
        letTimePass(SHORT_TTL);

        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(provisionalClaim(id, context.tokenSha256(), "server-c", Duration.ZERO))
                        .isInstanceOfSatisfying(ClaimResult.Claimed.class, claimed -> {
                            assertThat(claimed.previousClaimant()).isEqualTo("dead-target");
                            assertThat(claimed.payload()).isEqualTo(context.payload());
                        }));
        // Claimed with confirmWithin 0: confirmed at once, nobody can take it over any more.
        letTimePass(SHORT_TTL);
        assertThat(provisionalClaim(id, context.tokenSha256(), "server-d", LONG_TTL))
                .isEqualTo(new ClaimResult.AlreadyClaimed("server-c"));
    }

    @Test
    void aConfirmedClaimIsNeverTakenOver() {
        SessionId id = newId();
        ExportedContext context = newContext();
        join(store.export(id, context, LONG_TTL));
        provisionalClaim(id, context.tokenSha256(), "server-b", SHORT_TTL);
        assertThat(join(store.confirm(id, "server-b", LONG_TTL))).isTrue();
        assertThat(join(store.confirm(id, "server-b", LONG_TTL)))
                .as("confirming twice")
                .isTrue();
        letTimePass(SHORT_TTL.multipliedBy(2));

        assertThat(provisionalClaim(id, context.tokenSha256(), "server-c", LONG_TTL))
                .isEqualTo(new ClaimResult.AlreadyClaimed("server-b"));
        assertThat(join(store.confirm(id, "server-c", LONG_TTL))).isFalse();
    }

    @Test
    void aWriteThroughSaveByTheClaimantCountsAsItsConfirmation() {
        SessionId id = newId();
        ExportedContext context = newContext();
        join(store.export(id, context, LONG_TTL));
        provisionalClaim(id, context.tokenSha256(), "server-b", LONG_TTL);
        ExportedContext saved = newContext();
        assertThat(save(id, saved, "server-b")).isTrue();

        assertThat(join(store.confirm(id, "server-b", LONG_TTL))).isTrue();
        assertThat(join(store.confirm(id, "server-c", LONG_TTL))).isFalse();
        // The old token no longer opens it; the saved one does.
        assertThat(provisionalClaim(id, context.tokenSha256(), "server-c", LONG_TTL))
                .isInstanceOf(ClaimResult.BadToken.class);
    }

    @Test
    void confirmingWithoutATombstoneDeletesTheRecord() {
        SessionId id = newId();
        ExportedContext context = newContext();
        join(store.export(id, context, LONG_TTL));
        provisionalClaim(id, context.tokenSha256(), "server-b", LONG_TTL);
        assertThat(join(store.confirm(id, "server-b", Duration.ZERO))).isTrue();
        assertThat(probe(id)).isInstanceOf(ClaimResult.Expired.class);
        assertThat(join(store.confirm(newId(), "server-b", LONG_TTL)))
                .as("nothing there")
                .isFalse();
    }

    @Test
    void claimantNamesSurviveUnicode() {
        SessionId id = newId();
        ExportedContext context = newContext();
        join(store.export(id, context, LONG_TTL));
        claim(id, context.tokenSha256(), "pod-ü-🚢");
        assertThat(probe(id)).isEqualTo(new ClaimResult.AlreadyClaimed("pod-ü-🚢"));
    }

    @Test
    void claimOfAMissingRecordIsExpired() {
        assertThat(claim(newId(), randomBytes(32), "b")).isInstanceOf(ClaimResult.Expired.class);
    }

    @Test
    void exportReplacesAnExportedRecord() {
        SessionId id = newId();
        ExportedContext first = newContext();
        ExportedContext second = newContext();
        join(store.export(id, first, LONG_TTL));
        join(store.export(id, second, LONG_TTL));

        assertThat(claim(id, first.tokenSha256(), "b")).isInstanceOf(ClaimResult.BadToken.class);
        assertThat(claim(id, second.tokenSha256(), "b"))
                .isInstanceOfSatisfying(
                        ClaimResult.Claimed.class,
                        claimed -> assertThat(claimed.payload()).isEqualTo(second.payload()));
    }

    @Test
    void exportReplacesATombstone() {
        SessionId id = newId();
        ExportedContext first = newContext();
        join(store.export(id, first, LONG_TTL));
        claim(id, first.tokenSha256(), "b");
        // The session moves on again from server b.
        ExportedContext second = newContext();
        join(store.export(id, second, LONG_TTL));

        assertThat(claim(id, second.tokenSha256(), "c"))
                .isInstanceOfSatisfying(
                        ClaimResult.Claimed.class,
                        claimed -> assertThat(claimed.payload()).isEqualTo(second.payload()));
    }

    @Test
    void exportedRecordExpiresAfterItsTtl() {
        SessionId id = newId();
        ExportedContext context = newContext();
        join(store.export(id, context, SHORT_TTL));
        letTimePass(SHORT_TTL);

        await().atMost(WAIT).until(() -> probe(id) instanceof ClaimResult.Expired);
        assertThat(claim(id, context.tokenSha256(), "b")).isInstanceOf(ClaimResult.Expired.class);
    }

    @Test
    void tombstoneExpiresAfterItsTtl() {
        SessionId id = newId();
        ExportedContext context = newContext();
        join(store.export(id, context, LONG_TTL));
        assertThat(join(store.claim(id, context.tokenSha256(), "b", SHORT_TTL)))
                .isInstanceOf(ClaimResult.Claimed.class);
        assertThat(probe(id)).isInstanceOf(ClaimResult.AlreadyClaimed.class);
        letTimePass(SHORT_TTL);

        await().atMost(WAIT).until(() -> probe(id) instanceof ClaimResult.Expired);
    }

    @Test
    void zeroTombstoneTtlLeavesNoTombstone() {
        SessionId id = newId();
        ExportedContext context = newContext();
        join(store.export(id, context, LONG_TTL));
        assertThat(join(store.claim(id, context.tokenSha256(), "b", Duration.ZERO)))
                .isInstanceOf(ClaimResult.Claimed.class);
        assertThat(probe(id)).isInstanceOf(ClaimResult.Expired.class);
    }

    @Test
    void expireShortensTheTtl() {
        SessionId id = newId();
        join(store.export(id, newContext(), LONG_TTL));

        assertThat(join(store.expire(id, SHORT_TTL))).isTrue();
        letTimePass(SHORT_TTL);

        await().atMost(WAIT).until(() -> probe(id) instanceof ClaimResult.Expired);
    }

    @Test
    void expireLengthensTheTtl() {
        SessionId id = newId();
        join(store.export(id, newContext(), SHORT_TTL));

        assertThat(join(store.expire(id, LONG_TTL))).isTrue();
        letTimePass(SHORT_TTL.multipliedBy(2));

        // Holds well past the original TTL.
        await().during(SHORT_TTL.multipliedBy(2)).atMost(WAIT).until(() -> probe(id) instanceof ClaimResult.BadToken);
    }

    @Test
    void expireOfAMissingRecordIsFalse() {
        assertThat(join(store.expire(newId(), LONG_TTL))).isFalse();
    }

    @Test
    void expireOfATombstoneIsFalseAndKeepsIt() {
        SessionId id = newId();
        ExportedContext context = newContext();
        join(store.export(id, context, LONG_TTL));
        claim(id, context.tokenSha256(), "b");

        assertThat(join(store.expire(id, LONG_TTL))).isFalse();
        assertThat(probe(id)).isEqualTo(new ClaimResult.AlreadyClaimed("b"));
    }

    @Test
    void deleteRemovesExportedAndClaimedRecords() {
        SessionId exported = newId();
        ExportedContext context = newContext();
        join(store.export(exported, context, LONG_TTL));
        join(store.delete(exported));
        assertThat(claim(exported, context.tokenSha256(), "b")).isInstanceOf(ClaimResult.Expired.class);

        SessionId claimed = newId();
        ExportedContext other = newContext();
        join(store.export(claimed, other, LONG_TTL));
        claim(claimed, other.tokenSha256(), "b");
        join(store.delete(claimed));
        assertThat(probe(claimed)).isInstanceOf(ClaimResult.Expired.class);
    }

    @Test
    void deleteOfAMissingRecordIsANoOp() {
        SessionId id = newId();
        join(store.delete(id));
        assertThat(join(store.expire(id, LONG_TTL))).isFalse();
    }

    @Test
    void pingAnswers() {
        join(store.ping());
        assertThat(store.describe()).isNotBlank();
    }

    @Test
    void rejectsNonsenseArguments() {
        SessionId id = newId();
        assertThatThrownBy(() -> store.export(id, newContext(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.export(id, newContext(), Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.expire(id, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.claim(id, new byte[32], "b", Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.claim(id, null, "b", LONG_TTL)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void ofManyRacingClaimsExactlyOneWinsPerSession() throws Exception {
        int threads = 16;
        int sessions = 200;
        List<SessionId> ids = new ArrayList<>();
        Map<SessionId, ExportedContext> contexts = new HashMap<>();
        List<CompletableFuture<Void>> exports = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            SessionId id = newId();
            ExportedContext context = newContext();
            ids.add(id);
            contexts.put(id, context);
            exports.add(store.export(id, context, LONG_TTL));
        }
        exports.forEach(ContextStoreContract::join);

        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<ClaimResult>>> perThread = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String claimant = "server-" + t;
                perThread.add(pool.submit(() -> {
                    go.await();
                    List<CompletableFuture<ClaimResult>> claims = new ArrayList<>();
                    for (SessionId id : ids) {
                        claims.add(store.claim(id, contexts.get(id).tokenSha256(), claimant, LONG_TTL));
                    }
                    return claims.stream().map(ContextStoreContract::join).toList();
                }));
            }
            go.countDown();
            List<List<ClaimResult>> results = new ArrayList<>();
            for (Future<List<ClaimResult>> f : perThread) results.add(f.get(30, TimeUnit.SECONDS));

            for (int s = 0; s < sessions; s++) {
                List<ClaimResult> forSession = new ArrayList<>();
                String winner = null;
                for (int t = 0; t < threads; t++) {
                    ClaimResult r = results.get(t).get(s);
                    forSession.add(r);
                    if (r instanceof ClaimResult.Claimed) winner = "server-" + t;
                }
                assertThat(forSession)
                        .filteredOn(r -> r instanceof ClaimResult.Claimed)
                        .hasSize(1);
                assertThat(forSession)
                        .filteredOn(r -> !(r instanceof ClaimResult.Claimed))
                        .hasSize(threads - 1)
                        .containsOnly(new ClaimResult.AlreadyClaimed(winner));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
