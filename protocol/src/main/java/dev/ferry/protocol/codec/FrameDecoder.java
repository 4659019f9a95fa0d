package dev.ferry.protocol.codec;

import dev.ferry.protocol.DoneFlags;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameType;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.protocol.ResumeToken;
import dev.ferry.protocol.SessionId;
import dev.ferry.protocol.Severity;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes bytes into {@link Frame}s. Every frame is
 *
 * <pre>
 * +----------------+---------+----------------------+
 * | length (u32 BE)| type u8 | payload (length - 1) |
 * +----------------+---------+----------------------+
 * </pre>
 *
 * where {@code length} counts the type byte and the payload. A COMMAND frame for request 7
 * with text {@code PING}:
 *
 * <pre>
 * 00 00 00 0d  03  00 00 00 07  00 00 00 04  50 49 4e 47
 * length=13   type  requestId=7  text len=4   "PING"
 * </pre>
 *
 * A length of 0 or above {@code maxFrameLength}, an unknown type, or a payload that does not
 * parse exactly is fatal: the decoder throws {@link TooLongFrameException} or
 * {@link CorruptedFrameException} once and discards everything after it, because a byte stream
 * that lost framing cannot be trusted again. The connection's handler answers with an ERROR
 * frame and closes.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private static final int HEADER = 4;

    private final int maxFrameLength;
    private boolean failed;

    public FrameDecoder(int maxFrameLength) {
        if (maxFrameLength < 64)
            throw new IllegalArgumentException("maxFrameLength must be >= 64, was " + maxFrameLength);
        this.maxFrameLength = maxFrameLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < HEADER) return;
        long length = in.getUnsignedInt(in.readerIndex());
        if (length == 0) {
            fail(in);
            throw new CorruptedFrameException("frame length 0: every frame has at least a type byte");
        }
        if (length > maxFrameLength) {
            fail(in);
            throw new TooLongFrameException(
                    "frame length " + length + " exceeds the limit of " + maxFrameLength + " bytes");
        }
        if (in.readableBytes() > HEADER) {
            // An unknown type is known to be fatal as soon as its byte is here: do not wait for up
            // to maxFrameLength bytes of a body that will be thrown away anyway.
            int code = in.getUnsignedByte(in.readerIndex() + HEADER);
            if (FrameType.of(code) == null) {
                fail(in);
                throw new CorruptedFrameException(unknownType(code));
            }
        }
        if (in.readableBytes() < HEADER + length) return;
        in.skipBytes(HEADER);
        ByteBuf frame = in.readSlice((int) length);
        try {
            out.add(decodeFrame(frame));
        } catch (RuntimeException e) {
            fail(in);
            throw e instanceof CorruptedFrameException ? e : new CorruptedFrameException(e.getMessage(), e);
        }
    }

    private void fail(ByteBuf in) {
        failed = true;
        in.skipBytes(in.readableBytes());
    }

    /** Decodes one frame without its length prefix: {@code type | payload}. Visible for fuzzing. */
    static Frame decodeFrame(ByteBuf frame) {
        int code = frame.readUnsignedByte();
        FrameType type = FrameType.of(code);
        if (type == null) throw new CorruptedFrameException(unknownType(code));
        WireReader r = new WireReader(frame, type.name());
        Frame f = switch (type) {
            case HELLO -> new Frame.Hello(r.u16("version"), r.str16("clientName"));
            case WELCOME ->
                new Frame.Welcome(r.u16("version"), sessionId(r), token(r), r.str16("serverName"), bool(r, "resumed"));
            case COMMAND -> new Frame.Command(requestId(r), r.text("text"));
            case ROW -> new Frame.Row(requestId(r), r.nonNegativeU64("seq"), r.bytes32("data"));
            case MESSAGE -> new Frame.Message(requestId(r), severity(r), r.text("text"));
            case DONE -> new Frame.Done(requestId(r), doneFlags(r), r.nonNegativeU64("rowCount"));
            case ATTENTION -> new Frame.Attention(requestId(r));
            case MIGRATE -> migrate(r);
            case MIGRATE_CANCEL -> new Frame.MigrateCancel(r.u32("migrationId"));
            case RESUME -> new Frame.Resume(r.u16("version"), sessionId(r), token(r), r.u32("attentionRequestId"));
            case DEFERRED -> new Frame.Deferred(requestId(r));
            case GOODBYE -> new Frame.Goodbye(goodbyeReason(r), r.str16("text"));
            case ERROR -> error(r);
        };
        r.end();
        return f;
    }

    private static String unknownType(int code) {
        return String.format("unknown frame type 0x%02x", code);
    }

    private static Frame.Migrate migrate(WireReader r) {
        int migrationId = r.u32("migrationId");
        int inBatch = r.u32("inBatchRequestId");
        long deadline = r.u32AsLong("deadlineMillis");
        int count = r.u8("target count");
        if (count == 0 || count > Frame.Migrate.MAX_TARGETS) {
            throw r.corrupt("target count " + count + " outside 1.." + Frame.Migrate.MAX_TARGETS);
        }
        List<String> targets = new ArrayList<>(count);
        for (int i = 0; i < count; i++) targets.add(r.str16("target"));
        return new Frame.Migrate(migrationId, inBatch, deadline, targets);
    }

    private static Frame.Error error(WireReader r) {
        int code = r.u16("code");
        ErrorCode c = ErrorCode.of(code);
        if (c == null) throw r.corrupt("unknown error code " + code);
        return new Frame.Error(c, r.u32("requestId"), r.text("text"));
    }

    private static int requestId(WireReader r) {
        int id = r.u32("requestId");
        if (id == 0) throw r.corrupt("requestId 0 is reserved");
        return id;
    }

    private static SessionId sessionId(WireReader r) {
        byte[] b = r.fixed(SessionId.BYTES, "sessionId");
        io.netty.buffer.ByteBuf w = io.netty.buffer.Unpooled.wrappedBuffer(b);
        return new SessionId(w.readLong(), w.readLong());
    }

    private static ResumeToken token(WireReader r) {
        return ResumeToken.of(r.fixed(ResumeToken.BYTES, "resumeToken"));
    }

    private static boolean bool(WireReader r, String field) {
        int v = r.u8(field);
        if (v > 1) throw r.corrupt(field + " must be 0 or 1, was " + v);
        return v == 1;
    }

    private static Severity severity(WireReader r) {
        int code = r.u8("severity");
        Severity s = Severity.of(code);
        if (s == null) throw r.corrupt("unknown severity " + code);
        return s;
    }

    private static int doneFlags(WireReader r) {
        int flags = r.u8("flags");
        if ((flags & ~DoneFlags.KNOWN) != 0) throw r.corrupt(String.format("unknown DONE flags 0x%02x", flags));
        if (DoneFlags.has(flags, DoneFlags.ATTENTION) && !DoneFlags.has(flags, DoneFlags.FINAL)) {
            throw r.corrupt("an ATTENTION DONE must also be FINAL");
        }
        return flags;
    }

    private static GoodbyeReason goodbyeReason(WireReader r) {
        int code = r.u8("reason");
        GoodbyeReason reason = GoodbyeReason.of(code);
        if (reason == null) throw r.corrupt("unknown goodbye reason " + code);
        return reason;
    }
}
