package dev.ferry.protocol.codec;

import static dev.ferry.protocol.codec.TestFrames.encode;
import static dev.ferry.protocol.codec.TestFrames.same;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.testkit.NettyLeaks;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** {@code decode(encode(x)) == x} and {@code encode(decode(bytes)) == bytes} for generated valid frames. */
class FrameCodecPropertiesTest {

    @BeforeContainer
    static void hook() {
        NettyLeaks.install();
    }

    @AfterContainer
    static void noLeaks() {
        assertThat(NettyLeaks.collect()).as("ByteBuf leaks").isEmpty();
    }

    @Provide
    Arbitrary<Frame> frames() {
        return FrameArbitraries.frame();
    }

    @Provide
    Arbitrary<List<Frame>> frameLists() {
        return FrameArbitraries.frame().list().ofMinSize(1).ofMaxSize(12);
    }

    @Property(tries = 3000)
    void everyValidFrameRoundTrips(@ForAll("frames") Frame frame) {
        EmbeddedChannel ch =
                new EmbeddedChannel(new FrameDecoder(ProtocolVersion.DEFAULT_MAX_FRAME_LENGTH), FrameEncoder.INSTANCE);
        try {
            assertThat(ch.writeOutbound(frame)).isTrue();
            ByteBuf wire = ch.readOutbound();
            byte[] bytes = ByteBufUtil.getBytes(wire);
            assertThat(bytes).isEqualTo(encode(frame));
            assertThat(ch.writeInbound(wire)).isTrue();
            assertThat(wire.refCnt()).isZero();
            Frame decoded = ch.readInbound();
            assertThat(same(decoded, frame))
                    .as("decoded %s from %s", decoded, frame)
                    .isTrue();
            assertThat(encode(decoded)).as("encode(decode(bytes)) == bytes").isEqualTo(bytes);
        } finally {
            assertThat(ch.finishAndReleaseAll()).isFalse();
        }
    }

    @Property(tries = 500)
    void aStreamOfFramesInRandomFragmentsRoundTrips(@ForAll("frameLists") List<Frame> frames, @ForAll Random random) {
        byte[] wire = encode(frames);
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(ProtocolVersion.DEFAULT_MAX_FRAME_LENGTH));
        List<ByteBuf> fed = new ArrayList<>();
        List<Frame> decoded = new ArrayList<>();
        for (int at = 0; at < wire.length; ) {
            int n = Math.min(wire.length - at, 1 + random.nextInt(random.nextBoolean() ? 5 : 200));
            ByteBuf b = random.nextBoolean()
                    ? PooledByteBufAllocator.DEFAULT.directBuffer(n)
                    : PooledByteBufAllocator.DEFAULT.heapBuffer(n);
            b.writeBytes(wire, at, n);
            fed.add(b);
            ch.writeInbound(b);
            for (Frame f; (f = ch.readInbound()) != null; ) decoded.add(f);
            at += n;
        }
        assertThat(same(decoded, frames))
                .as("%s", FrameArbitraries.describe(frames))
                .isTrue();
        assertThat(encode(decoded)).isEqualTo(wire);
        assertThat(ch.finishAndReleaseAll()).isFalse();
        assertThat(fed).allSatisfy(b -> assertThat(b.refCnt()).isZero());
    }
}
