package dev.ferry.protocol.codec;

import dev.ferry.protocol.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** Small helpers shared by the codec tests. */
final class TestFrames {
    private TestFrames() {}

    /** The wire bytes of one frame, length prefix included. */
    static byte[] encode(Frame frame) {
        ByteBuf buf = Unpooled.buffer();
        try {
            FrameEncoder.encode(frame, buf);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    static byte[] encode(List<? extends Frame> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Frame f : frames) out.writeBytes(encode(f));
        return out.toByteArray();
    }

    /** Frame equality that compares {@link Frame.Row#data()} by content (records compare arrays by identity). */
    static boolean same(Frame a, Frame b) {
        if (a instanceof Frame.Row ra && b instanceof Frame.Row rb) {
            return ra.requestId() == rb.requestId() && ra.seq() == rb.seq() && Arrays.equals(ra.data(), rb.data());
        }
        return a.equals(b);
    }

    static boolean same(List<? extends Frame> a, List<? extends Frame> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) if (!same(a.get(i), b.get(i))) return false;
        return true;
    }

    /** "00 0a ff" (any whitespace and '|' ignored) to bytes. */
    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("[\\s|]", ""));
    }

    static String hex(byte[] bytes) {
        return HexFormat.ofDelimiter(" ").formatHex(bytes);
    }

    /** A frame header plus type byte plus payload: {@code u32 (1 + payload.length) | type | payload}. */
    static byte[] frame(int type, byte[] payload) {
        ByteBuf b = Unpooled.buffer();
        b.writeInt(1 + payload.length).writeByte(type).writeBytes(payload);
        byte[] out = ByteBufUtil.getBytes(b);
        b.release();
        return out;
    }

    static String repeat(String s, int times) {
        return s.repeat(times);
    }
}
