package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.client.SessionState.Phase;
import dev.ferry.protocol.DoneFlags;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link CommandSlot} alone, on {@link EmbeddedChannel}s standing in for the source and the
 * target: what it writes, how it matches frames to the outstanding request, and which request a
 * move re-sends. The test thread plays the session's event loop.
 */
class CommandSlotTest {
    private final ClientOptions options = ClientOptions.builder()
            .serviceAddress("127.0.0.1:1")
            .commandTimeout(Duration.ofSeconds(5))
            .build();
    private final ClientMetrics metrics = new ClientMetrics();
    private final SessionState state = new SessionState();
    private final CommandSlot slot = new CommandSlot(options, metrics, state);
    private final EmbeddedChannel source = new EmbeddedChannel();
    private final EmbeddedChannel target = new EmbeddedChannel();

    CommandSlotTest() {
        state.phase = Phase.OPEN;
        state.channel = source;
    }

    @AfterEach
    void closeChannels() {
        source.finishAndReleaseAll();
        target.finishAndReleaseAll();
    }

    /** Submits like {@link FerrySession#submit}; a cancel goes straight to the slot, as the engine's loop hop would. */
    private ResultStream submit(int id, String command) {
        ResultStream stream = new ResultStream(slot::cancel, id, command, options.commandTimeout());
        slot.submit(new Request(stream, id, command));
        return stream;
    }

    private static List<Frame> written(EmbeddedChannel ch) {
        List<Frame> frames = new ArrayList<>();
        for (Object o; (o = ch.readOutbound()) != null; ) frames.add((Frame) o);
        return frames;
    }

    private static Frame.Row row(int id, long seq, String text) {
        return new Frame.Row(id, seq, text.getBytes(StandardCharsets.UTF_8));
    }

    private static Frame.Done finalDone(int id, long rows) {
        return new Frame.Done(id, DoneFlags.FINAL, rows);
    }

    /** MIGRATE arrived: the session is moving; {@code inBatch} is the request the target continues (0: none). */
    private void migrate(int inBatch) {
        state.phase = Phase.MOVING;
        slot.markInBatch(inBatch);
    }

    /** WELCOME(resumed) from the target: the session lives there now. */
    private void resumedOnTarget() {
        state.channel = target;
        state.phase = Phase.OPEN;
        slot.continueOn(target);
    }

    private static List<String> texts(Result r) {
        return r.rows().stream().map(Row::text).toList();
    }

    // ---- ordering ----

    @Test
    void writesTheCommandAndEndsItAtItsFinalDoneOnly() {
        ResultStream s = submit(1, "STREAM 3");
        assertThat(written(source)).containsExactly(new Frame.Command(1, "STREAM 3"));

        slot.onRow(row(1, 0, "a"));
        slot.onRow(row(1, 1, "b"));
        slot.onDone(new Frame.Done(1, 0, 2)); // ends one result set, not the request
        assertThat(s.isDone()).isFalse();
        slot.onRow(row(1, 2, "c"));
        slot.onDone(finalDone(1, 3));

        assertThat(s.isDone()).isTrue();
        assertThat(slot.current()).isNull();
        Result r = s.await();
        assertThat(texts(r)).containsExactly("a", "b", "c");
        assertThat(r.rowCount()).isEqualTo(3);
        assertThat(r.cancelled()).isFalse();
    }

    @Test
    void refusesASecondCommandUntilTheFirstHasEnded() {
        ResultStream first = submit(1, "FIRST");
        ResultStream second = submit(2, "SECOND");

        assertThat(second.isDone()).isTrue();
        assertThat(second.cancelled()).isFalse();
        assertThat(slot.current().stream).isSameAs(first);
        assertThat(written(source)).containsExactly(new Frame.Command(1, "FIRST"));

        slot.onDone(finalDone(1, 0));
        ResultStream third = submit(3, "THIRD");
        assertThat(first.isDone()).isTrue();
        assertThat(third.isDone()).isFalse();
        assertThat(written(source)).containsExactly(new Frame.Command(3, "THIRD"));
    }

    @Test
    void deliversEachRowOnceInSeqOrder() {
        ResultStream s = submit(1, "STREAM");
        slot.onRow(row(1, 0, "r0"));
        slot.onRow(row(1, 1, "r1"));
        slot.onRow(row(1, 1, "r1 again")); // a server resent it: dropped
        slot.onRow(row(1, 0, "r0 again"));
        slot.onRow(row(1, 3, "r3")); // seq 2 never came: delivered, counted as a gap
        slot.onDone(finalDone(1, 4));

        assertThat(s.await().rows()).extracting(Row::seq).containsExactly(0L, 1L, 3L);
        assertThat(metrics.duplicateRows()).isEqualTo(2);
        assertThat(metrics.seqGaps()).isEqualTo(1);
    }

    // ---- exactly one final DONE per request ----

    @Test
    void aSecondFinalDoneOrALateErrorDoesNotTouchAnEndedRequest() {
        ResultStream s = submit(1, "GET k");
        slot.onRow(row(1, 0, "v"));
        slot.onDone(finalDone(1, 1));
        Result first = s.await();

        slot.onDone(new Frame.Done(1, DoneFlags.FINAL | DoneFlags.ERROR, 7));
        slot.onError(new Frame.Error(ErrorCode.COMMAND_FAILED, 1, "late"));
        slot.onRow(row(1, 1, "late row"));

        assertThat(slot.current()).isNull();
        Result again = s.awaitOutcome();
        assertThat(again.rowCount()).isEqualTo(first.rowCount()).isEqualTo(1);
        assertThat(again.error()).isFalse();
        assertThat(again.rows()).isEmpty(); // the one row was taken by the first await; nothing was added
    }

    @Test
    void framesForAnotherRequestIdDoNotEndTheOutstandingOne() {
        ResultStream s = submit(2, "GET k");
        slot.onDone(finalDone(1, 0));
        slot.onError(new Frame.Error(ErrorCode.COMMAND_FAILED, 3, "not yours"));

        assertThat(s.isDone()).isFalse();
        assertThat(slot.current().stream).isSameAs(s);
    }

    @Test
    void anInBatchRequestEndsOnceAtTheTargetsFinalDone() {
        ResultStream s = submit(1, "STREAM 4");
        written(source);
        slot.onRow(row(1, 0, "a"));
        slot.onRow(row(1, 1, "b"));
        migrate(1);
        assertThat(slot.attentionForResume()).isZero();
        resumedOnTarget();

        assertThat(written(target))
                .as("the target continues it: nothing is re-sent")
                .isEmpty();
        slot.onRow(row(1, 2, "c"));
        slot.onRow(row(1, 3, "d"));
        slot.onDone(finalDone(1, 4));
        slot.onDone(finalDone(1, 4));

        Result r = s.await();
        assertThat(texts(r)).containsExactly("a", "b", "c", "d");
        assertThat(r.rowCount()).isEqualTo(4);
        assertThat(metrics.deferredResends()).isZero();
    }

    // ---- what a move re-sends ----

    @Test
    void aDeferredRequestIsResentOnTheTargetWithItsRequestId() {
        ResultStream s = submit(5, "INCR n");
        written(source);
        migrate(0);
        slot.onDeferred(new Frame.Deferred(5));
        resumedOnTarget();

        assertThat(written(target)).containsExactly(new Frame.Command(5, "INCR n"));
        assertThat(written(source)).isEmpty();
        assertThat(metrics.deferredResends()).isEqualTo(1);
        slot.onRow(row(5, 0, "1"));
        slot.onDone(finalDone(5, 1));
        assertThat(s.await().firstText()).isEqualTo("1");
    }

    @Test
    void aRequestWrittenAfterMigrateWithNoAnswerIsResentOnTheTarget() {
        // The source had handed the session off when it arrived: it ran nothing.
        submit(5, "INCR n");
        migrate(0);
        resumedOnTarget();

        assertThat(written(target)).containsExactly(new Frame.Command(5, "INCR n"));
        assertThat(metrics.deferredResends()).isEqualTo(1);
    }

    @Test
    void aRequestSubmittedWhileMovingWaitsAndIsSentOnceOnTheTarget() {
        migrate(0);
        submit(5, "INCR n");
        assertThat(written(source)).isEmpty();

        resumedOnTarget();

        assertThat(written(target)).containsExactly(new Frame.Command(5, "INCR n"));
        assertThat(metrics.deferredResends()).as("a first send, not a re-send").isZero();
    }

    @Test
    void aRequestCancelledWhileNoServerRunsItEndsCancelledAndIsNotResent() {
        ResultStream s = submit(5, "SLOW");
        written(source);
        migrate(0);
        slot.onDeferred(new Frame.Deferred(5));
        s.cancel();

        assertThat(s.isDone()).isTrue();
        assertThat(s.cancelled()).isTrue();
        resumedOnTarget();
        assertThat(written(target)).isEmpty();
        assertThat(written(source)).isEmpty();
    }

    @Test
    void aCancelledInBatchRequestGetsItsAttentionOnceFromTheResumeOrTheTarget() {
        ResultStream carried = submit(1, "STREAM");
        written(source);
        migrate(1);
        carried.cancel(); // carried by the migration: nothing is written to the source
        assertThat(written(source)).isEmpty();
        assertThat(slot.attentionForResume()).isEqualTo(1);
        resumedOnTarget();
        assertThat(written(target)).as("the RESUME carried the attention").isEmpty();
        slot.onDone(new Frame.Done(1, DoneFlags.FINAL | DoneFlags.ATTENTION, 0));
        assertThat(carried.cancelled()).isTrue();

        // The cancel comes after the RESUME went out: the target gets the ATTENTION once the session is there.
        state.channel = source;
        ResultStream late = submit(2, "STREAM");
        written(source);
        migrate(2);
        assertThat(slot.attentionForResume()).isZero();
        late.cancel();
        resumedOnTarget();
        assertThat(written(target)).containsExactly(new Frame.Attention(2));
    }

    @Test
    void afterALostServerARequestThatReachedItIsTakenOutNotResent() {
        ResultStream s = submit(5, "INCR n");
        written(source);
        state.phase = Phase.MOVING;

        assertThat(slot.takeIfMayHaveRun()).extracting(r -> r.stream).isSameAs(s);
        resumedOnTarget();
        assertThat(written(target)).isEmpty();
        assertThat(slot.current()).isNull();
    }

    @Test
    void afterALostServerADeferredRequestIsResent() {
        submit(5, "INCR n");
        written(source);
        slot.onDeferred(new Frame.Deferred(5));
        state.phase = Phase.MOVING;

        assertThat(slot.takeIfMayHaveRun()).isNull();
        resumedOnTarget();
        assertThat(written(target)).containsExactly(new Frame.Command(5, "INCR n"));
    }

    @Test
    void afterMigrateCancelTheSourceRunsWhatReachedItAndGetsWhatItDeferred() {
        ResultStream reached = submit(5, "INCR n");
        written(source);
        migrate(0);
        state.phase = Phase.OPEN;
        slot.stayOnSource();
        assertThat(written(source))
                .as("it reached the source after the cancel: the source runs it")
                .isEmpty();
        slot.onDone(finalDone(5, 0));
        assertThat(reached.isDone()).isTrue();

        submit(6, "INCR n");
        written(source);
        migrate(0);
        slot.onDeferred(new Frame.Deferred(6));
        state.phase = Phase.OPEN;
        slot.stayOnSource();
        assertThat(written(source)).containsExactly(new Frame.Command(6, "INCR n"));
        assertThat(metrics.deferredResends()).isEqualTo(1);
    }

    // ---- endings ----

    @Test
    void aFailedSessionEndsTheRequestWithItsFailureAndRefusesTheNext() {
        ResultStream s = submit(1, "GET k");
        SessionLostException lost = new SessionLostException("lost", null);
        slot.fail(lost);
        state.phase = Phase.FAILED;
        state.failure = lost;

        assertThat(s.isDone()).isTrue();
        assertThat(slot.current()).isNull();
        slot.onDone(finalDone(1, 0)); // too late: ignored
        ResultStream next = submit(2, "GET k");
        assertThat(next.isDone()).isTrue();
        assertThat(written(source)).containsExactly(new Frame.Command(1, "GET k"));
    }

    @Test
    void withoutReadAheadTheConnectionReadsOnlyWhileARequestIsOutstanding() {
        ClientOptions noReadAhead = options.toBuilder().readAhead(false).build();
        CommandSlot quiet = new CommandSlot(noReadAhead, metrics, state);
        source.config().setAutoRead(false);

        ResultStream s = new ResultStream(quiet::cancel, 1, "GET k", options.commandTimeout());
        quiet.submit(new Request(s, 1, "GET k"));
        assertThat(source.config().isAutoRead()).isTrue();
        quiet.onDone(finalDone(1, 0));
        assertThat(source.config().isAutoRead()).isFalse();
    }
}
