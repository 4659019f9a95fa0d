package dev.ferry.protocol;

/**
 * One protocol frame. Every frame on the wire is {@code u32 length | u8 type | payload};
 * see {@code docs/protocol.md} for the byte layout of each type.
 *
 * <p>Frames are immutable values; byte arrays handed in are not copied, so callers must not
 * mutate them after building a frame.
 */
public sealed interface Frame
        permits Frame.Hello,
                Frame.Welcome,
                Frame.Command,
                Frame.Row,
                Frame.Message,
                Frame.Done,
                Frame.Attention,
                Frame.Migrate,
                Frame.MigrateCancel,
                Frame.Resume,
                Frame.Deferred,
                Frame.Goodbye,
                Frame.Error {

    FrameType type();

    /** Client → server, first frame of a new session. */
    record Hello(int version, String clientName) implements Frame {
        public Hello {
            Checks.u16("version", version);
            Checks.str16("clientName", clientName);
        }

        @Override
        public FrameType type() {
            return FrameType.HELLO;
        }
    }

    /**
     * Server → client, answers {@link Hello} or {@link Resume}. Carries the session ID and a
     * fresh resume token; {@code resumed} is set when the session continues from a migration.
     */
    record Welcome(int version, SessionId sessionId, ResumeToken resumeToken, String serverName, boolean resumed)
            implements Frame {
        public Welcome {
            Checks.u16("version", version);
            Checks.notNull("sessionId", sessionId);
            Checks.notNull("resumeToken", resumeToken);
            Checks.str16("serverName", serverName);
        }

        @Override
        public FrameType type() {
            return FrameType.WELCOME;
        }
    }

    /** Client → server: run {@code text} as request {@code requestId}. */
    record Command(int requestId, String text) implements Frame {
        public Command {
            Checks.requestId(requestId);
            Checks.notNull("text", text);
        }

        @Override
        public FrameType type() {
            return FrameType.COMMAND;
        }
    }

    /** Server → client: result row number {@code seq} (0-based, per request) of a request. */
    record Row(int requestId, long seq, byte[] data) implements Frame {
        public Row {
            Checks.requestId(requestId);
            if (seq < 0) throw new IllegalArgumentException("seq must be >= 0, was " + seq);
            Checks.notNull("data", data);
        }

        @Override
        public FrameType type() {
            return FrameType.ROW;
        }
    }

    /** Server → client: an informational, warning or error message attached to a request. */
    record Message(int requestId, Severity severity, String text) implements Frame {
        public Message {
            Checks.requestId(requestId);
            Checks.notNull("severity", severity);
            Checks.notNull("text", text);
        }

        @Override
        public FrameType type() {
            return FrameType.MESSAGE;
        }
    }

    /** Server → client: the end of a request's results. {@code flags} is a {@link DoneFlags} set. */
    record Done(int requestId, int flags, long rowCount) implements Frame {
        public Done {
            Checks.requestId(requestId);
            Checks.u8("flags", flags);
            if ((flags & ~DoneFlags.KNOWN) != 0)
                throw new IllegalArgumentException(String.format("unknown DONE flags 0x%02x", flags));
            if (DoneFlags.has(flags, DoneFlags.ATTENTION) && !DoneFlags.has(flags, DoneFlags.FINAL)) {
                throw new IllegalArgumentException("an ATTENTION DONE must also be FINAL");
            }
            if (rowCount < 0) throw new IllegalArgumentException("rowCount must be >= 0, was " + rowCount);
        }

        public boolean isFinal() {
            return DoneFlags.has(flags, DoneFlags.FINAL);
        }

        public boolean isError() {
            return DoneFlags.has(flags, DoneFlags.ERROR);
        }

        public boolean isAttention() {
            return DoneFlags.has(flags, DoneFlags.ATTENTION);
        }

        @Override
        public FrameType type() {
            return FrameType.DONE;
        }
    }

    /** Client → server: cancel request {@code requestId}. */
    record Attention(int requestId) implements Frame {
        public Attention {
            Checks.requestId(requestId);
        }

        @Override
        public FrameType type() {
            return FrameType.ATTENTION;
        }
    }

    /**
     * Server → client: move this session to one of {@code targets} ({@code host:port}, tried in
     * order). {@code inBatchRequestId} names the request the target continues (0 = none);
     * {@code deadlineMillis} is how long the source keeps this connection open (0 = it closes now).
     */
    record Migrate(int migrationId, int inBatchRequestId, long deadlineMillis, java.util.List<String> targets)
            implements Frame {
        public static final int MAX_TARGETS = 16;

        public Migrate {
            Checks.u32("migrationId", migrationId);
            Checks.u32("inBatchRequestId", inBatchRequestId);
            Checks.u32("deadlineMillis", deadlineMillis);
            Checks.notNull("targets", targets);
            if (targets.isEmpty() || targets.size() > MAX_TARGETS) {
                throw new IllegalArgumentException(
                        "targets must hold 1.." + MAX_TARGETS + " addresses, had " + targets.size());
            }
            targets.forEach(t -> Checks.str16("target", t));
            targets = java.util.List.copyOf(targets);
        }

        @Override
        public FrameType type() {
            return FrameType.MIGRATE;
        }
    }

    /** Server → client: migration {@code migrationId} is cancelled; stay on this server. */
    record MigrateCancel(int migrationId) implements Frame {
        public MigrateCancel {
            Checks.u32("migrationId", migrationId);
        }

        @Override
        public FrameType type() {
            return FrameType.MIGRATE_CANCEL;
        }
    }

    /**
     * Client → target server, first frame of a moved session. {@code attentionRequestId} is the
     * in-batch request the client cancelled while moving (0 = none).
     */
    record Resume(int version, SessionId sessionId, ResumeToken resumeToken, int attentionRequestId) implements Frame {
        public Resume {
            Checks.u16("version", version);
            Checks.notNull("sessionId", sessionId);
            Checks.notNull("resumeToken", resumeToken);
            Checks.u32("attentionRequestId", attentionRequestId);
        }

        @Override
        public FrameType type() {
            return FrameType.RESUME;
        }
    }

    /** Server → client: request {@code requestId} was not run here; send it again after moving. */
    record Deferred(int requestId) implements Frame {
        public Deferred {
            Checks.requestId(requestId);
        }

        @Override
        public FrameType type() {
            return FrameType.DEFERRED;
        }
    }

    /** Either direction: the sender is about to close the connection, and why. */
    record Goodbye(GoodbyeReason reason, String text) implements Frame {
        public Goodbye {
            Checks.notNull("reason", reason);
            Checks.str16("text", text);
        }

        @Override
        public FrameType type() {
            return FrameType.GOODBYE;
        }
    }

    /**
     * Server → client: an error. {@code requestId} 0 means the connection or session is at fault
     * and the server closes the connection after this frame.
     */
    record Error(ErrorCode code, int requestId, String text) implements Frame {
        public Error {
            Checks.notNull("code", code);
            Checks.u32("requestId", requestId);
            Checks.notNull("text", text);
        }

        @Override
        public FrameType type() {
            return FrameType.ERROR;
        }
    }
}
