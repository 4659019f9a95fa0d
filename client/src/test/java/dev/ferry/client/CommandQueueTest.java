package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
 * The {@link CommandQueue} alone, on {@link EmbeddedChannel}s standing in for the source and the
 * target: what it writes, how it matches frames to the outstanding request, and which request a
 * move re-sends. The test thread plays the session's event loop.
 */
class CommandQueueTest {
    private final ClientOptions options = ClientOptions.builder()
            .serviceAddress("127.0.0.1:1")
            .commandTimeout(Duration.ofSeconds(5))
            .build();
    private final ClientMetrics metrics = new ClientMetrics();
    private final SessionState state = new SessionState();
    private final CommandQueue queue = new CommandQueue(options, metrics, state);
    private final EmbeddedChannel source = new EmbeddedChannel();
    private final EmbeddedChannel target = new EmbeddedChannel();

    CommandQueueTest() {
        state.phase = Phase.OPEN;
        state.channel = source;
    }

    @AfterEach
    void closeChannels() {
        source.finishAndReleaseAll();
        target.finishAndReleaseAll();
    }

    /** Submits like {@link FerrySession#submit}; a cancel goes straight to the queue, as the engine's loop hop would. */
    private ResultStream submit(int id, String command) {
        ResultStream stream = new ResultStream(queue::cancel, id, command, options.commandTimeout());
        queue.submit(new Request(stream, id, command));
        return stream;
    }

    private static List<Frame> written(EmbeddedChannel ch) {
        ch.runPendingTasks(); // the queue flushes its COMMANDs in a task of its own
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
        queue.markInBatch(inBatch);
    }

    /** WELCOME(resumed) from the target: the session lives there now. */
    private void resumedOnTarget() {
        state.channel = target;
        state.phase = Phase.OPEN;
        queue.continueOn(target);
    }

    private static List<String> texts(Result r) {
        return r.rows().stream().map(Row::text).toList();
    }

    // ---- ordering ----

    @Test
    void writesTheCommandAndEndsItAtItsFinalDoneOnly() {
        ResultStream s = submit(1, "STREAM 3");
        assertThat(written(source)).containsExactly(new Frame.Command(1, "STREAM 3"));

        queue.onRow(row(1, 0, "a"));
        queue.onRow(row(1, 1, "b"));
        queue.onDone(new Frame.Done(1, 0, 2)); // ends one result set, not the request
        assertThat(s.isDone()).isFalse();
        queue.onRow(row(1, 2, "c"));
        queue.onDone(finalDone(1, 3));

        assertThat(s.isDone()).isTrue();
        assertThat(queue.size()).isZero();
        Result r = s.await();
        assertThat(texts(r)).containsExactly("a", "b", "c");
        assertThat(r.rowCount()).isEqualTo(3);
        assertThat(r.cancelled()).isFalse();
    }

    @Test
    void pipelinesCommandsAndMatchesFramesToThemById() {
        ResultStream first = submit(1, "FIRST");
        ResultStream second = submit(2, "SECOND");
        ResultStream third = submit(3, "THIRD");
        assertThat(written(source))
                .as("each is written at once, without waiting for the earlier ones")
                .containsExactly(
                        new Frame.Command(1, "FIRST"), new Frame.Command(2, "SECOND"), new Frame.Command(3, "THIRD"));

        queue.onRow(row(1, 0, "one"));
        queue.onDone(finalDone(1, 1));
        queue.onRow(row(2, 0, "two"));
        assertThat(first.isDone()).isTrue();
        assertThat(second.isDone()).isFalse();
        queue.onDone(finalDone(2, 1));
        queue.onDone(finalDone(3, 0));

        assertThat(first.await().firstText()).isEqualTo("one");
        assertThat(second.await().firstText()).isEqualTo("two");
        assertThat(third.await().rows()).isEmpty();
        assertThat(queue.size()).isZero();
    }

    @Test
    void refusesARequestIdThatIsStillOutstanding() {
        ResultStream first = submit(1, "FIRST");
        ResultStream again = submit(1, "AGAIN");

        assertThat(again.isDone()).isTrue();
        assertThatThrownBy(again::await).hasMessageContaining("still outstanding");
        assertThat(first.isDone()).isFalse();
        assertThat(written(source)).containsExactly(new Frame.Command(1, "FIRST"));
    }

    @Test
    void deliversEachRowOnceInSeqOrder() {
        ResultStream s = submit(1, "STREAM");
        queue.onRow(row(1, 0, "r0"));
        queue.onRow(row(1, 1, "r1"));
        queue.onRow(row(1, 1, "r1 again")); // a server resent it: dropped
        queue.onRow(row(1, 0, "r0 again"));
        queue.onRow(row(1, 3, "r3")); // seq 2 never came: delivered, counted as a gap
        queue.onDone(finalDone(1, 4));

        assertThat(s.await().rows()).extracting(Row::seq).containsExactly(0L, 1L, 3L);
        assertThat(metrics.duplicateRows()).isEqualTo(2);
        assertThat(metrics.seqGaps()).isEqualTo(1);
    }

    // ---- exactly one final DONE per request ----

    @Test
    void aSecondFinalDoneOrALateErrorDoesNotTouchAnEndedRequest() {
        ResultStream s = submit(1, "GET k");
        queue.onRow(row(1, 0, "v"));
        queue.onDone(finalDone(1, 1));
        Result first = s.await();

        queue.onDone(new Frame.Done(1, DoneFlags.FINAL | DoneFlags.ERROR, 7));
        queue.onError(new Frame.Error(ErrorCode.COMMAND_FAILED, 1, "late"));
        queue.onRow(row(1, 1, "late row"));

        assertThat(queue.size()).isZero();
        Result again = s.awaitOutcome();
        assertThat(again.rowCount()).isEqualTo(first.rowCount()).isEqualTo(1);
        assertThat(again.error()).isFalse();
        assertThat(again.rows()).isEmpty(); // the one row was taken by the first await; nothing was added
    }

    @Test
    void framesForAnotherRequestIdDoNotEndTheOutstandingOne() {
        ResultStream s = submit(2, "GET k");
        queue.onDone(finalDone(1, 0));
        queue.onError(new Frame.Error(ErrorCode.COMMAND_FAILED, 3, "not yours"));

        assertThat(s.isDone()).isFalse();
        assertThat(queue.first().stream).isSameAs(s);
    }

    @Test
    void anInBatchRequestEndsOnceAtTheTargetsFinalDone() {
        ResultStream s = submit(1, "STREAM 4");
        written(source);
        queue.onRow(row(1, 0, "a"));
        queue.onRow(row(1, 1, "b"));
        migrate(1);
        assertThat(queue.attentionForResume()).isZero();
        resumedOnTarget();

        assertThat(written(target))
                .as("the target continues it: nothing is re-sent")
                .isEmpty();
        queue.onRow(row(1, 2, "c"));
        queue.onRow(row(1, 3, "d"));
        queue.onDone(finalDone(1, 4));
        queue.onDone(finalDone(1, 4));

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
        queue.onDeferred(new Frame.Deferred(5));
        resumedOnTarget();

        assertThat(written(target)).containsExactly(new Frame.Command(5, "INCR n"));
        assertThat(written(source)).isEmpty();
        assertThat(metrics.deferredResends()).isEqualTo(1);
        queue.onRow(row(5, 0, "1"));
        queue.onDone(finalDone(5, 1));
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
        queue.onDeferred(new Frame.Deferred(5));
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
        assertThat(queue.attentionForResume()).isEqualTo(1);
        resumedOnTarget();
        assertThat(written(target)).as("the RESUME carried the attention").isEmpty();
        queue.onDone(new Frame.Done(1, DoneFlags.FINAL | DoneFlags.ATTENTION, 0));
        assertThat(carried.cancelled()).isTrue();

        // The cancel comes after the RESUME went out: the target gets the ATTENTION once the session is there.
        state.channel = source;
        ResultStream late = submit(2, "STREAM");
        written(source);
        migrate(2);
        assertThat(queue.attentionForResume()).isZero();
        late.cancel();
        resumedOnTarget();
        assertThat(written(target)).containsExactly(new Frame.Attention(2));
    }

    @Test
    void afterALostServerARequestThatReachedItIsTakenOutNotResent() {
        ResultStream s = submit(5, "INCR n");
        written(source);
        state.phase = Phase.MOVING;

        assertThat(queue.takeMayHaveRun()).extracting(r -> r.stream).containsExactly(s);
        resumedOnTarget();
        assertThat(written(target)).isEmpty();
        assertThat(queue.size()).isZero();
    }

    @Test
    void afterALostServerADeferredRequestIsResent() {
        submit(5, "INCR n");
        written(source);
        state.phase = Phase.MOVING;
        queue.onDeferred(new Frame.Deferred(5));

        assertThat(queue.takeMayHaveRun()).isEmpty();
        resumedOnTarget();
        assertThat(written(target)).containsExactly(new Frame.Command(5, "INCR n"));
    }

    @Test
    void afterMigrateCancelTheSourceRunsWhatReachedItAndGetsWhatItDeferred() {
        ResultStream reached = submit(5, "INCR n");
        written(source);
        migrate(0);
        state.phase = Phase.OPEN;
        queue.stayOnSource();
        assertThat(written(source))
                .as("it reached the source after the cancel: the source runs it")
                .isEmpty();
        queue.onDone(finalDone(5, 0));
        assertThat(reached.isDone()).isTrue();

        submit(6, "INCR n");
        written(source);
        migrate(0);
        queue.onDeferred(new Frame.Deferred(6));
        state.phase = Phase.OPEN;
        queue.stayOnSource();
        assertThat(written(source)).containsExactly(new Frame.Command(6, "INCR n"));
        assertThat(metrics.deferredResends()).isEqualTo(1);
    }

    // ---- pipelined requests across a move ----

    @Test
    void aMoveResendsEveryUnfinishedRequestInRequestOrderBehindTheInBatchOne() {
        ResultStream done = submit(1, "SET a");
        ResultStream carried = submit(2, "STREAM 3");
        ResultStream deferred = submit(3, "INCR n");
        ResultStream unanswered = submit(4, "INCR n");
        written(source);
        queue.onDone(finalDone(1, 0));
        queue.onRow(row(2, 0, "a"));
        migrate(2);
        queue.onDeferred(new Frame.Deferred(3));
        ResultStream whileMoving = submit(5, "GET n");
        assertThat(written(source)).isEmpty();

        resumedOnTarget();

        assertThat(written(target))
                .as("the target continues 2; the rest go out once each, in request order")
                .containsExactly(
                        new Frame.Command(3, "INCR n"), new Frame.Command(4, "INCR n"), new Frame.Command(5, "GET n"));
        assertThat(metrics.deferredResends()).isEqualTo(2);
        queue.onRow(row(2, 1, "b"));
        queue.onRow(row(2, 2, "c"));
        queue.onDone(finalDone(2, 3));
        queue.onDone(finalDone(3, 0));
        queue.onDone(finalDone(4, 0));
        queue.onRow(row(5, 0, "2"));
        queue.onDone(finalDone(5, 1));
        assertThat(texts(carried.await())).containsExactly("a", "b", "c");
        assertThat(List.of(done, deferred, unanswered, whileMoving)).allMatch(ResultStream::isDone);
        assertThat(whileMoving.await().firstText()).isEqualTo("2");
    }

    @Test
    void afterMigrateCancelTheQueueResendsOneAtATimeUntilOneHasRun() {
        ResultStream carried = submit(1, "STREAM 2");
        submit(2, "INCR n");
        submit(3, "INCR n");
        submit(4, "INCR n");
        written(source);
        queue.onRow(row(1, 0, "a"));
        migrate(1);
        queue.onDeferred(new Frame.Deferred(2));
        state.phase = Phase.OPEN;
        queue.stayOnSource();

        assertThat(written(source))
                .as("3 and 4 were written before the cancel and are unanswered: only 2 may go out")
                .containsExactly(new Frame.Command(2, "INCR n"));
        // The source's barrier deferred what reached it before the re-sent 2: their DEFERREDs precede 2's frames.
        queue.onDeferred(new Frame.Deferred(3));
        queue.onDeferred(new Frame.Deferred(4));
        queue.onRow(row(1, 1, "b"));
        queue.onDone(finalDone(1, 2));
        assertThat(written(source))
                .as("nothing overtakes 2 while it is unanswered; the in-batch request's end proves nothing")
                .isEmpty();

        queue.onDone(finalDone(2, 0));
        assertThat(written(source))
                .as("2 ran: the barrier is down, the rest go out pipelined")
                .containsExactly(new Frame.Command(3, "INCR n"), new Frame.Command(4, "INCR n"));
        submit(5, "GET n");
        assertThat(written(source)).containsExactly(new Frame.Command(5, "GET n"));
        assertThat(texts(carried.await())).containsExactly("a", "b");
    }

    @Test
    void theInBatchRequestEndingAfterACancelDoesNotEndOneAtATimeEvenIfItWasSentAsAProbe() {
        // A first cancel leaves the queue sending one at a time; its probe is still running when the next
        // migration carries it in-batch. The source continues it whatever its barrier says, so its end
        // proves nothing about the barrier.
        submit(1, "INCR n");
        written(source);
        migrate(0);
        queue.onDeferred(new Frame.Deferred(1));
        state.phase = Phase.OPEN;
        queue.stayOnSource();
        assertThat(written(source)).containsExactly(new Frame.Command(1, "INCR n"));
        queue.onDone(finalDone(1, 0)); // ran: pipelining again
        ResultStream probe = submit(2, "STREAM 2");
        written(source);
        migrate(0);
        queue.onDeferred(new Frame.Deferred(2));
        state.phase = Phase.OPEN;
        queue.stayOnSource();
        assertThat(written(source)).containsExactly(new Frame.Command(2, "STREAM 2"));

        submit(3, "INCR n");
        submit(4, "INCR n");
        assertThat(written(source)).as("one at a time: both wait behind 2").isEmpty();
        migrate(2); // the probe is now in-batch
        state.phase = Phase.OPEN;
        queue.stayOnSource();
        assertThat(written(source)).containsExactly(new Frame.Command(3, "INCR n"));
        queue.onRow(row(2, 0, "a"));
        queue.onRow(row(2, 1, "b"));
        queue.onDone(finalDone(2, 2));
        assertThat(written(source))
                .as("4 waits for 3, the request written since this cancel")
                .isEmpty();
        queue.onDone(finalDone(3, 0));
        assertThat(written(source)).containsExactly(new Frame.Command(4, "INCR n"));
        assertThat(texts(probe.await())).containsExactly("a", "b");
    }

    @Test
    void afterMigrateCancelARequestWrittenBeforeItHoldsBackLaterOnesUntilAnswered() {
        submit(1, "INCR n");
        written(source);
        migrate(0);
        submit(2, "INCR n"); // while moving: waits
        state.phase = Phase.OPEN;
        queue.stayOnSource();
        assertThat(written(source)).isEmpty();

        queue.onDone(finalDone(1, 0)); // it reached the source after the cancel and ran there
        assertThat(written(source)).containsExactly(new Frame.Command(2, "INCR n"));
        submit(3, "INCR n");
        assertThat(written(source))
                .as("one at a time until a request written since the cancel has run")
                .isEmpty();
        queue.onDone(finalDone(2, 0));
        assertThat(written(source)).containsExactly(new Frame.Command(3, "INCR n"));
        submit(4, "INCR n");
        assertThat(written(source)).containsExactly(new Frame.Command(4, "INCR n"));
    }

    // ---- endings ----

    @Test
    void aFailedSessionEndsTheRequestWithItsFailureAndRefusesTheNext() {
        ResultStream s = submit(1, "GET k");
        SessionLostException lost = new SessionLostException("lost", null);
        queue.fail(lost);
        state.phase = Phase.FAILED;
        state.failure = lost;

        assertThat(s.isDone()).isTrue();
        assertThat(queue.size()).isZero();
        queue.onDone(finalDone(1, 0)); // too late: ignored
        ResultStream next = submit(2, "GET k");
        assertThat(next.isDone()).isTrue();
        assertThat(written(source)).containsExactly(new Frame.Command(1, "GET k"));
    }

    @Test
    void withoutReadAheadTheConnectionReadsOnlyWhileARequestIsOutstanding() {
        ClientOptions noReadAhead = options.toBuilder().readAhead(false).build();
        CommandQueue quiet = new CommandQueue(noReadAhead, metrics, state);
        source.config().setAutoRead(false);

        ResultStream s = new ResultStream(quiet::cancel, 1, "GET k", options.commandTimeout());
        quiet.submit(new Request(s, 1, "GET k"));
        assertThat(source.config().isAutoRead()).isTrue();
        quiet.onDone(finalDone(1, 0));
        assertThat(source.config().isAutoRead()).isFalse();
    }
}
