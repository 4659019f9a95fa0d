package dev.ferry.protocol.codec;

import dev.ferry.protocol.DoneFlags;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.GoodbyeReason;
import dev.ferry.protocol.ResumeToken;
import dev.ferry.protocol.SessionId;
import dev.ferry.protocol.Severity;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** jqwik generators for every valid frame. */
final class FrameArbitraries {
    private FrameArbitraries() {}

    static Arbitrary<Integer> anyInt() {
        return Arbitraries.oneOf(
                Arbitraries.integers(), Arbitraries.of(0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE));
    }

    static Arbitrary<Integer> requestId() {
        return anyInt().filter(i -> i != 0);
    }

    static Arbitrary<Integer> u16() {
        return Arbitraries.oneOf(Arbitraries.integers().between(0, 0xFFFF), Arbitraries.of(0, 1, 0xFFFF));
    }

    static Arbitrary<Long> nonNegativeLong() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(0, Long.MAX_VALUE), Arbitraries.of(0L, 1L, Long.MAX_VALUE));
    }

    /** Strings of whole code points (ASCII, 2-, 3- and 4-byte UTF-8, no lone surrogates). */
    static Arbitrary<String> text(int maxCodePoints) {
        Arbitrary<String> cp = Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(0, 0x7F)),
                        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0x80, 0x7FF)),
                        net.jqwik.api.Tuple.of(
                                2, Arbitraries.integers().between(0x800, 0xFFFF).filter(c -> c < 0xD800 || c > 0xDFFF)),
                        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0x10000, 0x10FFFF)))
                .map(Character::toString);
        return cp.list().ofMaxSize(maxCodePoints).map(l -> String.join("", l));
    }

    static Arbitrary<String> str16() {
        return text(40);
    }

    static Arbitrary<SessionId> sessionId() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.longs()).as(SessionId::new);
    }

    static Arbitrary<ResumeToken> token() {
        return Arbitraries.bytes().array(byte[].class).ofSize(ResumeToken.BYTES).map(ResumeToken::of);
    }

    static Arbitrary<Integer> doneFlags() {
        return Arbitraries.integers()
                .between(0, DoneFlags.KNOWN)
                .filter(f -> !DoneFlags.has(f, DoneFlags.ATTENTION) || DoneFlags.has(f, DoneFlags.FINAL));
    }

    static Arbitrary<Frame> frame() {
        return Arbitraries.oneOf(
                Combinators.combine(u16(), str16()).as(Frame.Hello::new),
                Combinators.combine(u16(), sessionId(), token(), str16(), Arbitraries.of(true, false))
                        .as(Frame.Welcome::new),
                Combinators.combine(requestId(), text(200)).as(Frame.Command::new),
                Combinators.combine(
                                requestId(),
                                nonNegativeLong(),
                                Arbitraries.bytes().array(byte[].class).ofMaxSize(300))
                        .as(Frame.Row::new),
                Combinators.combine(requestId(), Arbitraries.of(Severity.class), text(100))
                        .as(Frame.Message::new),
                Combinators.combine(requestId(), doneFlags(), nonNegativeLong()).as(Frame.Done::new),
                requestId().map(Frame.Attention::new),
                Combinators.combine(
                                anyInt(),
                                anyInt(),
                                Arbitraries.longs().between(0, 0xFFFF_FFFFL),
                                str16().list().ofMinSize(1).ofMaxSize(Frame.Migrate.MAX_TARGETS))
                        .as(Frame.Migrate::new),
                anyInt().map(Frame.MigrateCancel::new),
                Combinators.combine(u16(), sessionId(), token(), anyInt()).as(Frame.Resume::new),
                requestId().map(Frame.Deferred::new),
                Combinators.combine(Arbitraries.of(GoodbyeReason.class), str16())
                        .as(Frame.Goodbye::new),
                Combinators.combine(Arbitraries.of(ErrorCode.class), anyInt(), text(100))
                        .as(Frame.Error::new));
    }

    static String describe(java.util.List<Frame> frames) {
        return frames.stream().map(f -> f.type().name()).collect(Collectors.joining(","));
    }
}
