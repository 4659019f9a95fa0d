package dev.ferry.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads the primitive fields of one frame's payload. Every read checks the bytes that remain,
 * so a lying length inside a frame becomes a {@link CorruptedFrameException}, never an
 * {@link IndexOutOfBoundsException}.
 */
final class WireReader {
    private final ByteBuf in;
    private final String frame;

    WireReader(ByteBuf in, String frame) {
        this.in = in;
        this.frame = frame;
    }

    int u8(String field) {
        need(1, field);
        return in.readUnsignedByte();
    }

    int u16(String field) {
        need(2, field);
        return in.readUnsignedShort();
    }

    int u32(String field) {
        need(4, field);
        return in.readInt();
    }

    long u32AsLong(String field) {
        need(4, field);
        return in.readUnsignedInt();
    }

    long u64(String field) {
        need(8, field);
        return in.readLong();
    }

    long nonNegativeU64(String field) {
        long v = u64(field);
        if (v < 0) throw corrupt(field + " " + Long.toUnsignedString(v) + " exceeds 2^63-1");
        return v;
    }

    byte[] fixed(int length, String field) {
        need(length, field);
        byte[] b = new byte[length];
        in.readBytes(b);
        return b;
    }

    String str16(String field) {
        return utf8(u16(field + " length"), field);
    }

    String text(String field) {
        return utf8(bytesLength(field), field);
    }

    byte[] bytes32(String field) {
        return fixed(bytesLength(field), field);
    }

    private int bytesLength(String field) {
        long length = u32AsLong(field + " length");
        if (length > in.readableBytes()) {
            throw corrupt(
                    field + " length " + length + " exceeds the " + in.readableBytes() + " bytes left in the frame");
        }
        return (int) length;
    }

    private String utf8(int length, String field) {
        need(length, field);
        ByteBuffer nio = in.nioBuffer(in.readerIndex(), length);
        try {
            String s = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(nio)
                    .toString();
            in.skipBytes(length);
            return s;
        } catch (CharacterCodingException e) {
            throw corrupt(field + " is not valid UTF-8");
        }
    }

    void end() {
        if (in.isReadable()) {
            throw corrupt(in.readableBytes() + " unexpected trailing bytes");
        }
    }

    CorruptedFrameException corrupt(String what) {
        return new CorruptedFrameException(frame + " frame: " + what);
    }

    private void need(int n, String field) {
        if (in.readableBytes() < n) {
            throw corrupt("truncated at " + field + " (needs " + n + " bytes, " + in.readableBytes() + " left)");
        }
    }
}
