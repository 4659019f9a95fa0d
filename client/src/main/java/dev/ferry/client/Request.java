package dev.ferry.client;

import io.netty.channel.Channel;

/** A command the session has accepted and not yet finished. Event-loop state only. */
final class Request {
    final ResultStream stream;
    final int id;
    final String text;

    /** The next row seq the user should get; rows are delivered exactly once, in order. */
    long nextSeq;
    /** The connection the COMMAND was last written to; null while it waits to be (re)sent. */
    Channel writtenTo;
    /** Written to some server at least once, so a later send is a re-send. */
    boolean everSent;
    /** The server answered DEFERRED: it did not run the command. */
    boolean deferred;
    /** This is the MIGRATE's inBatchRequestId: the target continues it, it is never re-sent. */
    boolean inBatch;
    /** The RESUME that is in flight carries this request as attentionRequestId. */
    boolean attentionInResume;
    /** The server holds it without a COMMAND on this connection: the in-batch request it continues. */
    boolean carried;
    /** Written after MIGRATE_CANCEL while the queue sends one at a time: its running shows the source's barrier is down. */
    boolean probe;

    Request(ResultStream stream, int id, String text) {
        this.stream = stream;
        this.id = id;
        this.text = text;
    }

    String describe() {
        return "request " + Integer.toUnsignedString(id) + " '" + text + "'";
    }
}
