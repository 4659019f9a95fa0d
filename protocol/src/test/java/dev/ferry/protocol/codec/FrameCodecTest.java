package dev.ferry.protocol.codec;

import static dev.ferry.protocol.codec.TestFrames.encode;
import static dev.ferry.protocol.codec.TestFrames.frame;
import static dev.ferry.protocol.codec.TestFrames.hex;
import static dev.ferry.protocol.codec.TestFrames.same;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ferry.protocol.DoneFlags;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.FrameType;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.protocol.ResumeToken;
import dev.ferry.protocol.SessionId;
import dev.ferry.protocol.Severity;
import dev.ferry.testkit.NettyLeaks;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link FrameDecoder} and {@link FrameEncoder} on an {@link EmbeddedChannel}: round trips, the
 * byte examples of docs/protocol.md, fragmented input, and every kind of malformed input.
 * Every buffer handed to a channel is checked to be released.
 */
class FrameCodecTest {
    private static final int CAP = ProtocolVersion.DEFAULT_MAX_FRAME_LENGTH;
    private static final SessionId SID = new SessionId(0x0123456789abcdefL, 0xfedcba9876543210L);
    private static final ResumeToken TOKEN = ResumeToken.of(IntStream.range(0, 32)
            .collect(ByteArrayOutputStream::new, (o, i) -> o.write(0xE0 + i), (a, b) -> a.writeBytes(b.toByteArray()))
            .toByteArray());
    private static final String MULTI_BYTE = "héllo – Grüße, 日本語, 🚀🦀 ∑";

    private final List<ByteBuf> fed = new ArrayList<>();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void hookLeakDetector() {
        NettyLeaks.install();
    }

    @AfterEach
    void everyBufferReleased() {
        for (EmbeddedChannel ch : channels) {
            assertThat(ch.finishAndReleaseAll())
                    .as("nothing left in the channel")
                    .isFalse();
        }
        for (ByteBuf b : fed)
            assertThat(b.refCnt()).as("refCnt of a buffer fed to the decoder").isZero();
        fed.clear(); // released pooled buffers are recycled: holding them would hide leaks from the detector
        channels.clear();
    }

    @AfterAll
    static void noLeaks() {
        assertThat(NettyLeaks.collect())
                .as("ByteBuf leaks reported by the paranoid leak detector")
                .isEmpty();
    }

    // ------------------------------------------------------------------ helpers

    private EmbeddedChannel channel() {
        return channel(CAP);
    }

    private EmbeddedChannel channel(int cap) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(cap), FrameEncoder.INSTANCE);
        channels.add(ch);
        return ch;
    }

    /** A tracked pooled direct buffer holding {@code bytes}. */
    private ByteBuf buf(byte[] bytes) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(Math.max(1, bytes.length));
        b.writeBytes(bytes);
        fed.add(b);
        return b;
    }

    private static List<Frame> readAll(EmbeddedChannel ch) {
        List<Frame> out = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) out.add((Frame) o);
        return out;
    }

    /** Encodes through the channel's encoder and returns the bytes written. */
    private static byte[] encodeOutbound(EmbeddedChannel ch, Frame frame) {
        assertThat(ch.writeOutbound(frame)).isTrue();
        ByteBuf out = ch.readOutbound();
        try {
            assertThat(ch.<Object>readOutbound()).isNull();
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    private static String str(int utf8Bytes, String unit) {
        int unitBytes = unit.getBytes(StandardCharsets.UTF_8).length;
        String s = unit.repeat(utf8Bytes / unitBytes) + "x".repeat(utf8Bytes % unitBytes);
        assertThat(s.getBytes(StandardCharsets.UTF_8)).hasSize(utf8Bytes);
        return s;
    }

    static List<Frame> edgeFrames() {
        List<Frame> f = new ArrayList<>();
        String max16Ascii = str(0xFFFF, "a");
        String max16ThreeByte = str(0xFFFF, "€");
        String max16FourByte = str(0xFFFF, "🚀");
        byte[] allBytes = new byte[256];
        for (int i = 0; i < 256; i++) allBytes[i] = (byte) i;
        for (String s : List.of("", "a", MULTI_BYTE, max16Ascii, max16ThreeByte, max16FourByte)) {
            f.add(new Frame.Hello(ProtocolVersion.V1, s));
            f.add(new Frame.Goodbye(GoodbyeReason.CLOSE, s));
            f.add(new Frame.Welcome(1, SID, TOKEN, s, true));
        }
        f.add(new Frame.Hello(0, ""));
        f.add(new Frame.Hello(0xFFFF, "client"));
        f.add(new Frame.Welcome(0xFFFF, new SessionId(0, 0), TOKEN, "", false));
        f.add(new Frame.Welcome(0, new SessionId(-1, -1), ResumeToken.of(new byte[32]), MULTI_BYTE, false));
        for (int id : new int[] {1, 7, Integer.MAX_VALUE, Integer.MIN_VALUE, -1}) {
            f.add(new Frame.Command(id, ""));
            f.add(new Frame.Command(id, MULTI_BYTE));
            f.add(new Frame.Row(id, 0, new byte[0]));
            f.add(new Frame.Row(id, Long.MAX_VALUE, allBytes));
            for (Severity s : Severity.values()) f.add(new Frame.Message(id, s, s == Severity.INFO ? "" : MULTI_BYTE));
            for (int flags : new int[] {
                0,
                DoneFlags.FINAL,
                DoneFlags.ERROR,
                DoneFlags.FINAL | DoneFlags.ERROR,
                DoneFlags.FINAL | DoneFlags.ATTENTION,
                DoneFlags.KNOWN
            }) {
                f.add(new Frame.Done(id, flags, flags == 0 ? 0 : Long.MAX_VALUE));
            }
            f.add(new Frame.Attention(id));
            f.add(new Frame.Deferred(id));
            f.add(new Frame.MigrateCancel(id));
            f.add(new Frame.Resume(1, SID, TOKEN, id));
        }
        f.add(new Frame.MigrateCancel(0));
        f.add(new Frame.Resume(0xFFFF, SID, TOKEN, 0));
        // text and bytes32 are u32-length fields: longer than any str16.
        f.add(new Frame.Command(3, str(200_000, "ж")));
        f.add(new Frame.Row(3, 1, new byte[300_000]));
        f.add(new Frame.Message(3, Severity.ERROR, str(100_001, "日")));
        f.add(new Frame.Migrate(0, 0, 0, List.of("")));
        f.add(new Frame.Migrate(-1, -1, 0xFFFF_FFFFL, List.of("127.0.0.2:7000")));
        f.add(new Frame.Migrate(
                Integer.MIN_VALUE,
                42,
                60_000,
                IntStream.range(0, 16).mapToObj(i -> "10.0.0." + i + ":7000").toList()));
        List<String> big =
                new ArrayList<>(Collections.nCopies(15, max16FourByte)); // 16 of them would pass the 1 MiB cap
        big.add(MULTI_BYTE);
        f.add(new Frame.Migrate(1, 2, 3, big));
        for (GoodbyeReason r : GoodbyeReason.values()) f.add(new Frame.Goodbye(r, r.name()));
        for (ErrorCode c : ErrorCode.values()) {
            f.add(new Frame.Error(c, 0, ""));
            f.add(new Frame.Error(c, -1, MULTI_BYTE));
        }
        assertThat(f.stream().map(Frame::type).distinct()).hasSize(FrameType.values().length);
        return f;
    }

    // ------------------------------------------------------------------ round trips

    @Test
    void everyFrameTypeRoundTripsWithEdgeValues() {
        EmbeddedChannel ch = channel();
        for (Frame frame : edgeFrames()) {
            byte[] wire = encodeOutbound(ch, frame);
            assertThat(wire)
                    .as("channel encoder = static encode for %s", frame.type())
                    .isEqualTo(encode(frame));
            assertThat(java.nio.ByteBuffer.wrap(wire).getInt())
                    .as("length field")
                    .isEqualTo(wire.length - 4);
            assertThat(wire[4] & 0xFF).as("type byte").isEqualTo(frame.type().code());

            assertThat(ch.writeInbound(buf(wire))).isTrue();
            List<Frame> decoded = readAll(ch);
            assertThat(decoded).hasSize(1);
            assertThat(same(decoded.get(0), frame))
                    .as("decoded %s", frame.type())
                    .isTrue();
            assertThat(encode(decoded.get(0))).isEqualTo(wire);
        }
    }

    @Test
    void str16LimitIsEnforcedWhenTheFrameIsBuilt() {
        assertThatThrownBy(() -> new Frame.Hello(1, "a".repeat(0x10000)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("65535");
        assertThatThrownBy(() -> new Frame.Goodbye(GoodbyeReason.CLOSE, "€".repeat(21_846)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("65535");
        assertThatThrownBy(() -> new Frame.Migrate(1, 0, 0, Collections.nCopies(17, "a")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1..16");
        assertThatThrownBy(() -> new Frame.Command(0, "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFrameOfExactlyTheCapIsAccepted() {
        int cap = 4096;
        EmbeddedChannel ch = channel(cap);
        Frame.Row row = new Frame.Row(1, 0, new byte[cap - 1 - 4 - 8 - 4]);
        byte[] wire = encode(row);
        assertThat(wire.length - 4).isEqualTo(cap);
        ch.writeInbound(buf(wire));
        assertThat(same(readAll(ch), List.of(row))).isTrue();
    }

    // ------------------------------------------------------------------ docs/protocol.md

    /** The hex lines under "### Byte examples" in docs/protocol.md, in order. */
    private static List<byte[]> docExamples() throws IOException {
        Path doc = Path.of("..", "docs", "protocol.md");
        String md = Files.readString(doc);
        String section = md.substring(md.indexOf("### Byte examples"), md.indexOf("## Session rules"));
        List<byte[]> examples = new ArrayList<>();
        for (String line : section.split("\n")) {
            if (line.matches("(?:[0-9a-f]{2}[ |]*)+")) examples.add(hex(line));
        }
        return examples;
    }

    @Test
    void byteExamplesOfTheSpecDecodeAndEncodeExactly() throws IOException {
        List<Frame> expected = List.of(
                new Frame.Command(7, "PING"),
                new Frame.Done(7, DoneFlags.FINAL, 1),
                new Frame.Migrate(3, 0, 60_000, List.of("127.0.0.2:7000")));
        List<byte[]> examples = docExamples();
        assertThat(examples).as("byte examples found in docs/protocol.md").hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            byte[] wire = examples.get(i);
            EmbeddedChannel ch = channel();
            ch.writeInbound(buf(wire));
            List<Frame> decoded = readAll(ch);
            assertThat(decoded).as("example %d: %s", i, hex(wire)).hasSize(1);
            assertThat(same(decoded.get(0), expected.get(i)))
                    .as("example %d decodes to %s", i, decoded.get(0))
                    .isTrue();
            assertThat(hex(encodeOutbound(ch, expected.get(i)))).isEqualTo(hex(wire));
        }
        // The FrameDecoder javadoc repeats the first example.
        assertThat(hex(encode(new Frame.Command(7, "PING"))))
                .isEqualTo("00 00 00 0d 03 00 00 00 07 00 00 00 04 50 49 4e 47");
    }

    // ------------------------------------------------------------------ fragmentation

    private static List<Frame> someFrames() {
        return List.of(
                new Frame.Hello(1, MULTI_BYTE),
                new Frame.Command(1, "SELECT 1"),
                new Frame.Attention(1),
                new Frame.Row(-1, 5, new byte[] {0, 0, 0, 0, 1}),
                new Frame.Done(1, DoneFlags.FINAL | DoneFlags.ATTENTION, 0),
                new Frame.Migrate(9, 0, 1000, List.of("a:1", "b:2")),
                new Frame.Goodbye(GoodbyeReason.MOVED, ""));
    }

    @Test
    void everySplitPointOfEveryFrame() {
        for (Frame frame : someFrames()) {
            byte[] wire = encode(frame);
            for (int split = 0; split <= wire.length; split++) {
                EmbeddedChannel ch = channel();
                ch.writeInbound(buf(Arrays.copyOfRange(wire, 0, split)));
                if (split < wire.length) {
                    assertThat(readAll(ch))
                            .as("%s split at %d: nothing before the last byte", frame.type(), split)
                            .isEmpty();
                    ch.writeInbound(buf(Arrays.copyOfRange(wire, split, wire.length)));
                }
                assertThat(same(readAll(ch), List.of(frame)))
                        .as("%s split at %d", frame.type(), split)
                        .isTrue();
            }
        }
    }

    @Test
    void oneByteAtATime() {
        List<Frame> frames = someFrames();
        byte[] wire = encode(frames);
        EmbeddedChannel ch = channel();
        List<Frame> decoded = new ArrayList<>();
        for (byte b : wire) {
            ch.writeInbound(buf(new byte[] {b}));
            decoded.addAll(readAll(ch));
        }
        assertThat(same(decoded, frames)).isTrue();
    }

    @Test
    void severalFramesInOneBufferAndRandomChunks() {
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < 20; i++) frames.addAll(someFrames());
        byte[] wire = encode(frames);

        EmbeddedChannel whole = channel();
        whole.writeInbound(buf(wire));
        assertThat(same(readAll(whole), frames)).isTrue();

        Random rnd = new Random(7);
        for (int round = 0; round < 50; round++) {
            EmbeddedChannel ch = channel();
            List<Frame> decoded = new ArrayList<>();
            for (int at = 0; at < wire.length; ) {
                int n = Math.min(wire.length - at, 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 400));
                ch.writeInbound(buf(Arrays.copyOfRange(wire, at, at + n)));
                decoded.addAll(readAll(ch));
                at += n;
            }
            assertThat(same(decoded, frames)).as("round %d", round).isTrue();
        }
    }

    @Test
    void compositeAndHeapInput() {
        List<Frame> frames = someFrames();
        byte[] wire = encode(frames);
        EmbeddedChannel ch = channel();
        CompositeByteBuf composite = PooledByteBufAllocator.DEFAULT.compositeBuffer();
        for (int at = 0; at < wire.length; at += 7) {
            composite.addComponent(true, buf(Arrays.copyOfRange(wire, at, Math.min(wire.length, at + 7))));
        }
        fed.add(composite);
        ch.writeInbound(composite);
        ByteBuf heap = Unpooled.copiedBuffer(wire);
        fed.add(heap);
        ch.writeInbound(heap);
        List<Frame> expected = new ArrayList<>(frames);
        expected.addAll(frames);
        assertThat(same(readAll(ch), expected)).isTrue();
    }

    // ------------------------------------------------------------------ malformed input

    private static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    private static byte[] str16(byte[] utf8) {
        return cat(new byte[] {(byte) (utf8.length >> 8), (byte) utf8.length}, utf8);
    }

    private static byte[] u32(long v) {
        return new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
    }

    private static byte[] u64(long v) {
        return cat(u32(v >>> 32), u32(v));
    }

    private static byte[] migrate(int n) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(cat(u32(1), u32(0), u32(1000), new byte[] {(byte) n}));
        for (int i = 0; i < n; i++) p.writeBytes(str16("h:1".getBytes(StandardCharsets.US_ASCII)));
        return frame(FrameType.MIGRATE.code(), p.toByteArray());
    }

    private static Arguments bad(String name, byte[] wire, Class<? extends DecoderException> type, String... message) {
        return Arguments.of(name, wire, type, message);
    }

    static Stream<Arguments> malformed() {
        byte[] id0 = u32(0);
        byte[] text4 = cat(u32(4), "PING".getBytes(StandardCharsets.US_ASCII));
        byte[] session = cat(new byte[16], new byte[32]);
        return Stream.of(
                bad("length 0", u32(0), CorruptedFrameException.class, "length 0"),
                bad("length cap+1, header only", u32(CAP + 1L), TooLongFrameException.class, "1048577", "1048576"),
                bad("length 2^32-1, header only", u32(0xFFFF_FFFFL), TooLongFrameException.class, "4294967295"),
                bad(
                        "unknown type 0x00",
                        frame(0x00, new byte[0]),
                        CorruptedFrameException.class,
                        "unknown frame type 0x00"),
                bad(
                        "unknown type 0x0e",
                        frame(0x0E, new byte[] {1, 2, 3}),
                        CorruptedFrameException.class,
                        "unknown frame type 0x0e"),
                bad(
                        "unknown type 0xff",
                        frame(0xFF, new byte[0]),
                        CorruptedFrameException.class,
                        "unknown frame type 0xff"),
                bad(
                        "unknown type, body not sent yet",
                        cat(u32(1000), new byte[] {0x42}),
                        CorruptedFrameException.class,
                        "unknown frame type 0x42"),
                bad(
                        "truncated COMMAND: no text",
                        frame(0x03, u32(7)),
                        CorruptedFrameException.class,
                        "COMMAND",
                        "truncated",
                        "text length"),
                bad(
                        "truncated HELLO: half a version",
                        frame(0x01, new byte[] {0}),
                        CorruptedFrameException.class,
                        "HELLO",
                        "truncated",
                        "version"),
                bad(
                        "truncated ATTENTION: empty",
                        frame(0x07, new byte[0]),
                        CorruptedFrameException.class,
                        "ATTENTION",
                        "truncated",
                        "requestId"),
                bad(
                        "truncated RESUME: short token",
                        frame(0x0A, cat(new byte[] {0, 1}, new byte[16], new byte[31])),
                        CorruptedFrameException.class,
                        "RESUME",
                        "truncated",
                        "resumeToken"),
                bad(
                        "text length beyond the frame",
                        frame(0x03, cat(u32(7), u32(5), "PING".getBytes(StandardCharsets.US_ASCII))),
                        CorruptedFrameException.class,
                        "COMMAND",
                        "text length 5",
                        "4 bytes left"),
                bad(
                        "text length 2^32-1",
                        frame(0x05, cat(u32(7), new byte[] {0}, u32(0xFFFF_FFFFL))),
                        CorruptedFrameException.class,
                        "MESSAGE",
                        "4294967295"),
                bad(
                        "bytes32 length beyond the frame",
                        frame(0x04, cat(u32(7), u64(0), u32(100), new byte[10])),
                        CorruptedFrameException.class,
                        "ROW",
                        "data length 100"),
                bad(
                        "str16 length beyond the frame",
                        frame(
                                0x01,
                                cat(new byte[] {0, 1}, new byte[] {0, 9}, "abc".getBytes(StandardCharsets.US_ASCII))),
                        CorruptedFrameException.class,
                        "HELLO",
                        "clientName",
                        "truncated"),
                bad(
                        "trailing byte after ATTENTION",
                        frame(0x07, cat(u32(7), new byte[] {0})),
                        CorruptedFrameException.class,
                        "ATTENTION",
                        "1 unexpected trailing bytes"),
                bad(
                        "trailing bytes after COMMAND",
                        frame(0x03, cat(u32(7), text4, new byte[3])),
                        CorruptedFrameException.class,
                        "COMMAND",
                        "3 unexpected trailing bytes"),
                bad(
                        "invalid UTF-8: lone continuation",
                        frame(0x01, cat(new byte[] {0, 1}, str16(new byte[] {'a', (byte) 0x80}))),
                        CorruptedFrameException.class,
                        "HELLO",
                        "clientName is not valid UTF-8"),
                bad(
                        "invalid UTF-8: C3 28",
                        frame(0x03, cat(u32(7), u32(2), new byte[] {(byte) 0xC3, 0x28})),
                        CorruptedFrameException.class,
                        "COMMAND",
                        "text is not valid UTF-8"),
                bad(
                        "invalid UTF-8: overlong NUL",
                        frame(0x0C, cat(new byte[] {0}, str16(new byte[] {(byte) 0xC0, (byte) 0x80}))),
                        CorruptedFrameException.class,
                        "GOODBYE",
                        "not valid UTF-8"),
                bad(
                        "invalid UTF-8: encoded surrogate",
                        frame(0x0D, cat(new byte[] {0, 1}, u32(0), u32(3), new byte[] {
                            (byte) 0xED, (byte) 0xA0, (byte) 0x80
                        })),
                        CorruptedFrameException.class,
                        "ERROR",
                        "not valid UTF-8"),
                bad(
                        "invalid UTF-8: cut multi-byte",
                        frame(0x05, cat(u32(1), new byte[] {1}, u32(2), new byte[] {(byte) 0xE2, (byte) 0x82})),
                        CorruptedFrameException.class,
                        "MESSAGE",
                        "not valid UTF-8"),
                bad(
                        "invalid UTF-8: F8",
                        frame(0x02, cat(new byte[] {0, 1}, session, str16(new byte[] {(byte) 0xF8}), new byte[] {0})),
                        CorruptedFrameException.class,
                        "WELCOME",
                        "serverName is not valid UTF-8"),
                bad(
                        "invalid UTF-8 in a MIGRATE target",
                        frame(0x08, cat(u32(1), u32(0), u32(0), new byte[] {1}, str16(new byte[] {(byte) 0xFF}))),
                        CorruptedFrameException.class,
                        "MIGRATE",
                        "target is not valid UTF-8"),
                bad(
                        "unknown DONE flag 0x08",
                        frame(0x06, cat(u32(7), new byte[] {0x09}, u64(1))),
                        CorruptedFrameException.class,
                        "DONE",
                        "unknown DONE flags 0x09"),
                bad(
                        "unknown DONE flag 0x80",
                        frame(0x06, cat(u32(7), new byte[] {(byte) 0x81}, u64(1))),
                        CorruptedFrameException.class,
                        "unknown DONE flags 0x81"),
                bad(
                        "ATTENTION DONE without FINAL",
                        frame(0x06, cat(u32(7), new byte[] {0x04}, u64(0))),
                        CorruptedFrameException.class,
                        "DONE",
                        "ATTENTION",
                        "FINAL"),
                bad(
                        "MIGRATE with 0 targets",
                        migrate(0),
                        CorruptedFrameException.class,
                        "MIGRATE",
                        "target count 0",
                        "1..16"),
                bad(
                        "MIGRATE with 17 targets",
                        migrate(17),
                        CorruptedFrameException.class,
                        "MIGRATE",
                        "target count 17",
                        "1..16"),
                bad("MIGRATE with 255 targets", migrate(255), CorruptedFrameException.class, "target count 255"),
                bad(
                        "requestId 0 in COMMAND",
                        frame(0x03, cat(id0, text4)),
                        CorruptedFrameException.class,
                        "COMMAND",
                        "requestId 0"),
                bad(
                        "requestId 0 in ROW",
                        frame(0x04, cat(id0, u64(0), u32(0))),
                        CorruptedFrameException.class,
                        "ROW",
                        "requestId 0"),
                bad(
                        "requestId 0 in MESSAGE",
                        frame(0x05, cat(id0, new byte[] {0}, u32(0))),
                        CorruptedFrameException.class,
                        "MESSAGE",
                        "requestId 0"),
                bad(
                        "requestId 0 in DONE",
                        frame(0x06, cat(id0, new byte[] {1}, u64(0))),
                        CorruptedFrameException.class,
                        "DONE",
                        "requestId 0"),
                bad(
                        "requestId 0 in ATTENTION",
                        frame(0x07, id0),
                        CorruptedFrameException.class,
                        "ATTENTION",
                        "requestId 0"),
                bad(
                        "requestId 0 in DEFERRED",
                        frame(0x0B, id0),
                        CorruptedFrameException.class,
                        "DEFERRED",
                        "requestId 0"),
                bad(
                        "seq above 2^63-1",
                        frame(0x04, cat(u32(7), u64(-1), u32(0))),
                        CorruptedFrameException.class,
                        "ROW",
                        "seq",
                        "18446744073709551615"),
                bad(
                        "rowCount above 2^63-1",
                        frame(0x06, cat(u32(7), new byte[] {1}, u64(Long.MIN_VALUE))),
                        CorruptedFrameException.class,
                        "DONE",
                        "rowCount",
                        "9223372036854775808"),
                bad(
                        "bool 2",
                        frame(0x02, cat(new byte[] {0, 1}, session, str16(new byte[0]), new byte[] {2})),
                        CorruptedFrameException.class,
                        "WELCOME",
                        "resumed must be 0 or 1, was 2"),
                bad(
                        "unknown severity",
                        frame(0x05, cat(u32(7), new byte[] {3}, u32(0))),
                        CorruptedFrameException.class,
                        "MESSAGE",
                        "unknown severity 3"),
                bad(
                        "unknown goodbye reason",
                        frame(0x0C, cat(new byte[] {5}, str16(new byte[0]))),
                        CorruptedFrameException.class,
                        "GOODBYE",
                        "unknown goodbye reason 5"),
                bad(
                        "unknown error code",
                        frame(0x0D, cat(new byte[] {0, 99}, u32(0), u32(0))),
                        CorruptedFrameException.class,
                        "ERROR",
                        "unknown error code 99"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedInputFailsWithAMessageThatNamesTheProblem(
            String name, byte[] wire, Class<? extends DecoderException> type, String[] message) {
        for (int mode = 0; mode < 3; mode++) { // whole, one byte at a time, after a valid frame in the same buffer
            EmbeddedChannel ch = channel();
            Throwable thrown = null;
            List<Frame> decoded = new ArrayList<>();
            if (mode == 0) {
                thrown = catchThrowable(() -> ch.writeInbound(buf(wire)));
            } else if (mode == 1) {
                for (int i = 0; i < wire.length && thrown == null; i++) {
                    int at = i;
                    thrown = catchThrowable(() -> ch.writeInbound(buf(new byte[] {wire[at]})));
                    decoded.addAll(readAll(ch));
                }
            } else {
                thrown = catchThrowable(() -> ch.writeInbound(
                        buf(cat(encode(new Frame.Attention(5)), wire, encode(new Frame.Attention(6))))));
            }
            decoded.addAll(readAll(ch));
            assertThat(thrown).as("%s (mode %d)", name, mode).isInstanceOf(type);
            assertThat(thrown.getMessage()).as(name).contains(message);
            assertThat(thrown.getCause())
                    .as("%s: found by the decoder's own checks, not a wrapped %s", name, thrown.getCause())
                    .isNull();
            assertThat(same(decoded, mode == 2 ? List.of(new Frame.Attention(5)) : List.of()))
                    .as("%s (mode %d): frames before the bad one are delivered, none after: %s", name, mode, decoded)
                    .isTrue();
            assertDiscardsFromNowOn(ch);
        }
    }

    private void assertDiscardsFromNowOn(EmbeddedChannel ch) {
        byte[] valid = encode(someFrames());
        assertThat(ch.writeInbound(buf(valid)))
                .as("a failed decoder delivers nothing more")
                .isFalse();
        assertThat(ch.writeInbound(buf(u32(0)))).isFalse(); // and fails no more
        ch.checkException();
        assertThat(ch.<Object>readInbound()).isNull();
    }

    @Test
    void tooLongFailsOnTheHeaderWithoutWaitingForTheBody() {
        EmbeddedChannel ch = channel(64);
        ch.writeInbound(buf(new byte[] {0, 0}));
        assertThatThrownBy(() -> ch.writeInbound(buf(new byte[] {0, 65})))
                .isInstanceOf(TooLongFrameException.class)
                .hasMessageContaining("65")
                .hasMessageContaining("64");
        assertDiscardsFromNowOn(ch);
    }

    @Test
    void aPartialFrameWaitsAndIsReleasedOnClose() {
        EmbeddedChannel ch = channel();
        byte[] wire = encode(new Frame.Command(1, "x".repeat(1000)));
        assertThat(ch.writeInbound(buf(Arrays.copyOf(wire, 500)))).isFalse();
        ch.checkException();
        // Half a frame at end of stream is dropped quietly; the cumulation buffer is released.
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void maxFrameLengthBelow64IsRejected() {
        assertThatThrownBy(() -> new FrameDecoder(63)).isInstanceOf(IllegalArgumentException.class);
    }
}
