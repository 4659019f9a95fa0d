package dev.ferry.server;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The bytes a session's context is stored as. Version 1:
 *
 * <pre>
 * u8  format = 1
 * u32 n; n × (u16 keyLength, key UTF-8, u32 valueLength, value)
 * u8  inBatch (0/1); if 1: u32 requestId, u32 commandLength, command UTF-8, u64 rowsSent,
 *                         u32 cursorLength, cursor
 * </pre>
 *
 * The store is shared infrastructure, so a record is parsed defensively: anything malformed is an
 * {@link IllegalArgumentException} that names the problem, never an out-of-bounds read.
 */
final class ContextCodec {
    static final int FORMAT = 1;

    /** A request suspended at a checkpoint, carried to the server that continues it. */
    record InBatch(int requestId, String command, long rowsSent, byte[] cursor) {}

    record Decoded(SessionContext context, InBatch inBatch) {}

    private ContextCodec() {}

    static byte[] encode(SessionContext context, InBatch inBatch) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(FORMAT);
            Map<String, byte[]> values = context.raw();
            out.writeInt(values.size());
            for (Map.Entry<String, byte[]> e : values.entrySet()) {
                byte[] key = e.getKey().getBytes(StandardCharsets.UTF_8);
                if (key.length > 0xFFFF) throw new IllegalArgumentException("context key longer than 65535 bytes");
                out.writeShort(key.length);
                out.write(key);
                out.writeInt(e.getValue().length);
                out.write(e.getValue());
            }
            if (inBatch == null) {
                out.writeByte(0);
            } else {
                out.writeByte(1);
                out.writeInt(inBatch.requestId());
                byte[] command = inBatch.command().getBytes(StandardCharsets.UTF_8);
                out.writeInt(command.length);
                out.write(command);
                out.writeLong(inBatch.rowsSent());
                byte[] cursor = inBatch.cursor() == null ? new byte[0] : inBatch.cursor();
                out.writeInt(cursor.length);
                out.write(cursor);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Decoded decode(byte[] payload) {
        ByteBuffer in = ByteBuffer.wrap(payload);
        try {
            int format = in.get() & 0xFF;
            if (format != FORMAT) throw new IllegalArgumentException("unknown context format " + format);
            int n = in.getInt();
            if (n < 0 || n > in.remaining() / 6)
                throw new IllegalArgumentException("context claims " + n + " values in " + in.remaining() + " bytes");
            SessionContext context = new SessionContext();
            for (int i = 0; i < n; i++) {
                String key = utf8(in, in.getShort() & 0xFFFF, "key");
                context.raw().put(key, bytes(in, in.getInt(), "value of " + key));
            }
            InBatch inBatch = null;
            int flag = in.get();
            if (flag == 1) {
                int requestId = in.getInt();
                if (requestId == 0) throw new IllegalArgumentException("in-batch request id 0");
                String command = utf8(in, in.getInt(), "command");
                long rowsSent = in.getLong();
                if (rowsSent < 0) throw new IllegalArgumentException("negative row count");
                inBatch = new InBatch(requestId, command, rowsSent, bytes(in, in.getInt(), "cursor"));
            } else if (flag != 0) {
                throw new IllegalArgumentException("in-batch flag must be 0 or 1, was " + flag);
            }
            if (in.hasRemaining()) throw new IllegalArgumentException(in.remaining() + " trailing bytes");
            return new Decoded(context, inBatch);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("context record is truncated", e);
        }
    }

    private static byte[] bytes(ByteBuffer in, int length, String what) {
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException(what + ": length " + Integer.toUnsignedString(length) + " exceeds the "
                    + in.remaining() + " bytes left");
        }
        byte[] b = new byte[length];
        in.get(b);
        return b;
    }

    private static String utf8(ByteBuffer in, int length, String what) {
        byte[] b = bytes(in, length, what);
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(what + " is not valid UTF-8", e);
        }
    }
}
