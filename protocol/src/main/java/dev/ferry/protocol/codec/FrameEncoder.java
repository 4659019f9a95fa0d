package dev.ferry.protocol.codec;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.SessionId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Encodes {@link Frame}s as {@code u32 length | u8 type | payload} (see {@link FrameDecoder}).
 * Stateless, so one instance serves every channel.
 */
@Sharable
public final class FrameEncoder extends MessageToByteEncoder<Frame> {
    public static final FrameEncoder INSTANCE = new FrameEncoder();

    private FrameEncoder() {}

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, ByteBuf out) {
        encode(frame, out);
    }

    /** Appends one whole frame, length prefix included, to {@code out}. */
    public static void encode(Frame frame, ByteBuf out) {
        int start = out.writerIndex();
        out.writeInt(0); // length, patched below
        out.writeByte(frame.type().code());
        switch (frame) {
            case Frame.Hello f -> {
                out.writeShort(f.version());
                str16(out, f.clientName());
            }
            case Frame.Welcome f -> {
                out.writeShort(f.version());
                sessionId(out, f.sessionId());
                out.writeBytes(f.resumeToken().bytes());
                str16(out, f.serverName());
                out.writeByte(f.resumed() ? 1 : 0);
            }
            case Frame.Command f -> {
                out.writeInt(f.requestId());
                text(out, f.text());
            }
            case Frame.Row f -> {
                out.writeInt(f.requestId());
                out.writeLong(f.seq());
                out.writeInt(f.data().length);
                out.writeBytes(f.data());
            }
            case Frame.Message f -> {
                out.writeInt(f.requestId());
                out.writeByte(f.severity().code());
                text(out, f.text());
            }
            case Frame.Done f -> {
                out.writeInt(f.requestId());
                out.writeByte(f.flags());
                out.writeLong(f.rowCount());
            }
            case Frame.Attention f -> out.writeInt(f.requestId());
            case Frame.Migrate f -> {
                out.writeInt(f.migrationId());
                out.writeInt(f.inBatchRequestId());
                out.writeInt((int) f.deadlineMillis());
                out.writeByte(f.targets().size());
                f.targets().forEach(t -> str16(out, t));
            }
            case Frame.MigrateCancel f -> out.writeInt(f.migrationId());
            case Frame.Resume f -> {
                out.writeShort(f.version());
                sessionId(out, f.sessionId());
                out.writeBytes(f.resumeToken().bytes());
                out.writeInt(f.attentionRequestId());
            }
            case Frame.Deferred f -> out.writeInt(f.requestId());
            case Frame.Goodbye f -> {
                out.writeByte(f.reason().code());
                str16(out, f.text());
            }
            case Frame.Error f -> {
                out.writeShort(f.code().code());
                out.writeInt(f.requestId());
                text(out, f.text());
            }
        }
        out.setInt(start, out.writerIndex() - start - 4);
    }

    private static void sessionId(ByteBuf out, SessionId id) {
        out.writeLong(id.high());
        out.writeLong(id.low());
    }

    private static void str16(ByteBuf out, String s) {
        int lengthAt = out.writerIndex();
        out.writeShort(0);
        int n = ByteBufUtil.writeUtf8(out, s);
        if (n > 0xFFFF) throw new EncoderException("string of " + n + " UTF-8 bytes does not fit a str16 field");
        out.setShort(lengthAt, n);
    }

    private static void text(ByteBuf out, String s) {
        int lengthAt = out.writerIndex();
        out.writeInt(0);
        int n = ByteBufUtil.writeUtf8(out, s);
        out.setInt(lengthAt, n);
    }
}
