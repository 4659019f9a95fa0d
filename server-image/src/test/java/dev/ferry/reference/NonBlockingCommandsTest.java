package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Which of the reference server's commands run on the I/O thread, and the word test that decides it. */
class NonBlockingCommandsTest {
    private final ReferenceHandler handler = new ReferenceHandler("pod-0");

    @Test
    void everyCommandButStreamAndSleepIsNonBlocking() {
        for (String command : new String[] {
            "PING",
            "ECHO hi",
            "SET k v",
            "GET k",
            "INCR n",
            "BEGIN",
            "COMMIT",
            "ROLLBACK",
            "WHOAMI",
            "VERSION",
            "NOPE",
            "",
            "  set k v",
            "STREAMING",
            "SLEEPY 3"
        }) {
            assertThat(handler.isNonBlocking(command)).as(command).isTrue();
        }
        for (String command : new String[] {"STREAM 10", "stream 10 5", "  SLEEP 100", "Sleep\t1", "STREAM"}) {
            assertThat(handler.isNonBlocking(command)).as(command).isFalse();
        }
    }

    /** The same answer as the handler's own parsing (a regex split on whitespace, verb upper-cased). */
    @Property(tries = 2_000)
    void startsWithWordAgreesWithSplittingOnWhitespace(
            @ForAll("commands") String command, @ForAll("words") String word) {
        String[] words = command.trim().split("\\s+", 2);
        boolean expected = words[0].toUpperCase(Locale.ROOT).equals(word.toUpperCase(Locale.ROOT));
        assertThat(ReferenceHandler.startsWithWord(command, word)).isEqualTo(expected);
    }

    @Provide
    Arbitrary<String> words() {
        return Arbitraries.of("STREAM", "SLEEP", "SET", "S");
    }

    @Provide
    Arbitrary<String> commands() {
        Arbitrary<String> piece = Arbitraries.oneOf(
                Arbitraries.of("STREAM", "stream", "Sleep", "SLEEPS", "SET", "S", "STREAMFROM", "x", "10"),
                Arbitraries.strings().withChars(" \t\nSsTtReEaAmM0").ofMaxLength(6));
        return piece.list().ofMaxSize(4).map(parts -> String.join(" ", parts));
    }
}
