package dev.ferry.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.DataFormatException;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;

/**
 * The line protocol between the idle-drain coordinator and its {@code client-worker} processes.
 *
 * <p>Coordinator to worker (stdin), one command a line:
 * <pre>
 *   OPEN &lt;host:port&gt; &lt;n&gt;        open n sessions (HELLO + "SET user ..."), one new client per round
 *   ADD &lt;host:port&gt; &lt;n&gt;         open n more sessions on the current round's client (OPENED says "holding")
 *   REPORT [origin]             counts and the pause histogram of the current round ("pause", or the values as
 *                               "pauseMicros"); with an origin
 *                               ({@link System#nanoTime()}, shared by the processes of a machine) also
 *                               when each session moved, in microseconds after it (moveMicros)
 *   BASELINE &lt;a:p&gt;[,&lt;a:p&gt;...] [origin]  close every session, reconnect it to a peer (round robin) and
 *                               log in again; doneMicros says when each was back
 *   CLOSE                       close every session of the round (GOODBYE) and the client
 *   QUIT                        exit
 * </pre>
 * Worker to coordinator (stdout): {@code @ferry <WORD> <json>}: READY at start, then OPENED,
 * REPORT, BASELINED, CLOSED answering the commands above, and MOVED (unprompted) once every
 * session of the round has completed a migration. Nothing else the worker prints starts with
 * {@code @ferry}. Histograms travel as base64 of HdrHistogram's compressed encoding, so the
 * coordinator merges them without losing precision.
 */
final class WorkerProtocol {
    static final String PREFIX = "@ferry ";
    static final ObjectMapper JSON = new ObjectMapper();

    private WorkerProtocol() {}

    static boolean isProtocolLine(String line) {
        return line.startsWith(PREFIX);
    }

    static String line(String word, ObjectNode body) {
        return PREFIX + word + " " + body.toString();
    }

    record Message(String word, JsonNode body) {}

    static Message parse(String line) {
        if (!isProtocolLine(line)) throw new IllegalArgumentException("not a protocol line: " + line);
        String rest = line.substring(PREFIX.length());
        int space = rest.indexOf(' ');
        String word = space < 0 ? rest : rest.substring(0, space);
        try {
            JsonNode body = space < 0 ? JSON.createObjectNode() : JSON.readTree(rest.substring(space + 1));
            return new Message(word, body);
        } catch (Exception e) {
            throw new IllegalArgumentException("bad JSON in worker line: " + line, e);
        }
    }

    static String encode(AbstractHistogram h) {
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(buf);
        byte[] bytes = new byte[n];
        buf.flip();
        buf.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    /**
     * The client library's pause histogram (microseconds) of a REPORT: {@code pause} as the Java worker sends it,
     * or {@code pauseMicros}, the plain values, from a worker without HdrHistogram (the Go client's).
     */
    static Histogram pause(JsonNode report) {
        if (report.has("pause")) return decode(report.path("pause").asText());
        Histogram h = new Histogram(3);
        for (JsonNode v : report.path("pauseMicros")) h.recordValue(Math.max(1, v.asLong()));
        return h;
    }

    static Histogram decode(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("bad histogram from a worker", e);
        }
    }
}
