package dev.ferry.conformance;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A TCP connection the harness opens to a server itself, to send frames no client would and read what comes back. */
final class RawConnection implements AutoCloseable {
    /** Above any frame a server sends in a scenario; a bigger one is reported, not read. */
    private static final int MAX_FRAME = 16 << 20;

    private final String address;
    private final Socket socket;
    private final OutputStream out;
    private final BlockingQueue<ObjectNode> received = new LinkedBlockingQueue<>();

    private RawConnection(String address, Socket socket) throws IOException {
        this.address = address;
        this.socket = socket;
        this.out = socket.getOutputStream();
        Thread.ofVirtual().name("ferry-conformance-raw-" + address).start(this::read);
    }

    static RawConnection open(String address) {
        int colon = address.lastIndexOf(':');
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(
                    new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))),
                    10_000);
            return new RawConnection(address, s);
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // the connect failure is what matters
            }
            throw new ScenarioFailure("cannot connect to " + address + ": " + e, e);
        }
    }

    private void read() {
        try {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            for (; ; ) {
                int length = in.readInt();
                if (length < 1 || length > MAX_FRAME) {
                    received.add(closed("the server sent a frame length of " + Integer.toUnsignedString(length)));
                    return;
                }
                int type = in.readUnsignedByte();
                byte[] payload = new byte[length - 1];
                in.readFully(payload);
                received.add(RawFrames.decode(type, payload));
            }
        } catch (EOFException e) {
            received.add(closed("EOF"));
        } catch (IOException e) {
            received.add(closed(e.toString()));
        }
    }

    private static ObjectNode closed(String how) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("type", "(closed)");
        o.put("how", how);
        return o;
    }

    static boolean isClose(ObjectNode frame) {
        return "(closed)".equals(frame.path("type").asText());
    }

    void send(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            // The server may have closed already (it stops reading after a protocol error); what it sent says why.
            received.add(closed("write failed: " + e));
        }
    }

    /** The next frame (or the close marker, repeated once the connection has ended), or null after {@code timeout}. */
    ObjectNode next(Duration timeout) {
        try {
            ObjectNode f = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (f != null && isClose(f)) received.add(f);
            return f;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScenarioFailure("interrupted reading from " + address, e);
        }
    }

    String address() {
        return address;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all that is left to do
        }
    }
}
