package dev.ferry.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.client.Row;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamCheckTest {
    private static Row row(long seq, String text) {
        return new Row(seq, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void countsSkippedRepeatedAndMislabelledRows() {
        StreamCheck.Counts counts = new StreamCheck.Counts();
        StreamCheck c = new StreamCheck(counts);

        assertThat(c.accept(row(0, "0"), 0)).isTrue();
        assertThat(c.accept(row(3, "3"), 0)).isTrue(); // 1 and 2 lost
        assertThat(c.accept(row(3, "3"), 0)).isFalse(); // again
        assertThat(c.accept(row(4, "x"), 0)).isTrue(); // new, but the payload is wrong

        assertThat(counts.lost().get()).isEqualTo(2);
        assertThat(counts.duplicated().get()).isEqualTo(1);
        assertThat(counts.badPayload().get()).isEqualTo(1);
        assertThat(c.next()).isEqualTo(5);
    }

    @Test
    void aRestartedRequestIsCheckedAtItsPositionInTheWholeStream() {
        StreamCheck.Counts counts = new StreamCheck.Counts();
        StreamCheck c = new StreamCheck(counts);
        c.accept(row(0, "0"), 0);
        c.accept(row(1, "1"), 0);

        // STREAMFROM 2 ...: seq starts at 0 again, payloads are positions 2, 3
        assertThat(c.accept(row(0, "2"), 2)).isTrue();
        assertThat(c.accept(row(1, "3"), 2)).isTrue();
        // a client restarting at row 0 would read these again
        assertThat(c.accept(row(0, "0"), 0)).isFalse();

        assertThat(counts.lost().get()).isZero();
        assertThat(counts.duplicated().get()).isEqualTo(1);
        assertThat(counts.badPayload().get()).isZero();
    }
}
