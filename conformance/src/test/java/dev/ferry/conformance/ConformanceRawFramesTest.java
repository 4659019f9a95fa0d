package dev.ferry.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The harness's own frame codec against the byte examples of docs/protocol.md, which it must agree with. */
class ConformanceRawFramesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("[\\s|]", ""));
    }

    private static ObjectNode decode(byte[] frame) {
        return RawFrames.decode(frame[4] & 0xff, Arrays.copyOfRange(frame, 5, frame.length));
    }

    @Test
    void commandExample() throws Exception {
        byte[] frame = RawFrames.encode(JSON.readTree("{\"type\":\"COMMAND\",\"requestId\":7,\"command\":\"PING\"}"));
        assertThat(frame).isEqualTo(hex("00 00 00 0d | 03 | 00 00 00 07 | 00 00 00 04 50 49 4e 47"));
    }

    @Test
    void doneExample() {
        ObjectNode done = decode(hex("00 00 00 0e | 06 | 00 00 00 07 | 01 | 00 00 00 00 00 00 00 01"));
        assertThat(done.toString()).isEqualTo("{\"type\":\"DONE\",\"requestId\":7,\"flags\":\"FINAL\",\"rowCount\":1}");
    }

    @Test
    void migrateExample() {
        ObjectNode migrate = decode(hex("00 00 00 1e | 08 | 00 00 00 03 | 00 00 00 00 | 00 00 ea 60 | 01 |"
                + " 00 0e 31 32 37 2e 30 2e 30 2e 32 3a 37 30 30 30"));
        assertThat(migrate.toString())
                .isEqualTo("{\"type\":\"MIGRATE\",\"migrationId\":3,\"inBatchRequestId\":0,\"deadlineMillis\":60000,"
                        + "\"targets\":[\"127.0.0.2:7000\"]}");
    }

    @Test
    void aPayloadThatDoesNotParseIsReportedNotGuessed() {
        assertThat(RawFrames.decode(0x06, hex("00 00 00 07 01")).has("malformed"))
                .isTrue();
        assertThat(RawFrames.decode(0x0B, hex("00 00 00 07 00"))
                        .path("malformed")
                        .asText())
                .contains("1 bytes after");
        assertThat(RawFrames.decode(0x7f, hex("")).path("type").asText()).isEqualTo("UNKNOWN_0x7F");
    }

    @Test
    void resumeAndHelloLayout() throws Exception {
        byte[] resume = RawFrames.encode(JSON.readTree("{\"type\":\"RESUME\",\"sessionId\":\"" + "ab".repeat(16)
                + "\",\"resumeToken\":\"" + "cd".repeat(32) + "\",\"attentionRequestId\":9}"));
        // length 1 + 2 + 16 + 32 + 4 = 55
        assertThat(Arrays.copyOfRange(resume, 0, 7)).isEqualTo(hex("00000037 0a 0001"));
        assertThat(resume).hasSize(4 + 55);
        byte[] hello = RawFrames.encode(JSON.readTree("{\"type\":\"HELLO\",\"version\":1,\"clientName\":\"ab\"}"));
        assertThat(hello).isEqualTo(hex("00000007 01 0001 0002 6162"));
    }
}
