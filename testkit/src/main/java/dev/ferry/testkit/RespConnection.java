package dev.ferry.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal blocking RESP2 client over a plain socket: enough for the testkit to probe and manage
 * the servers it starts (PING, CLUSTER INFO, SHUTDOWN) and for tests to inspect raw keys, without
 * depending on a Redis client library.
 *
 * <p>Replies map to: simple string and bulk string → {@link String} (bulk strings as UTF-8),
 * integer → {@link Long}, null bulk/array → {@code null}, array → {@link List}, error →
 * {@link RespError} (returned, not thrown, so callers can tell "answered with an error" from
 * "did not answer").
 */
public final class RespConnection implements AutoCloseable {

    /** An error reply, e.g. {@code NOAUTH Authentication required.} */
    public record RespError(String message) {}

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RespConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects with {@code timeout} as both connect and read timeout. */
    public static RespConnection open(String host, int port, Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            int millis = (int) Math.max(1, timeout.toMillis());
            socket.connect(new InetSocketAddress(host, port), millis);
            socket.setSoTimeout(millis);
            socket.setTcpNoDelay(true);
            return new RespConnection(socket);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Connects over TLS (for a redis-server started with {@code RedisServer.Builder#tls}), trusting
     * what {@code tls} trusts and checking the host name or IP against the certificate.
     */
    public static RespConnection open(String host, int port, Duration timeout, javax.net.ssl.SSLContext tls)
            throws IOException {
        int millis = (int) Math.max(1, timeout.toMillis());
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(host, port), millis);
            plain.setSoTimeout(millis);
            plain.setTcpNoDelay(true);
            javax.net.ssl.SSLSocket socket =
                    (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket(plain, host, port, true);
            javax.net.ssl.SSLParameters params = socket.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(params);
            socket.startHandshake();
            return new RespConnection(socket);
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    /** Sends one command and reads its reply. */
    public Object command(String... args) throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            request.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            request.writeBytes(bytes);
            request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write(request.toByteArray());
        out.flush();
        return readReply();
    }

    private Object readReply() throws IOException {
        int type = in.read();
        if (type < 0) throw new IOException("connection closed by server");
        String line = readLine();
        return switch (type) {
            case '+' -> line;
            case '-' -> new RespError(line);
            case ':' -> Long.parseLong(line);
            case '$' -> readBulk(Integer.parseInt(line));
            case '*' -> readArray(Integer.parseInt(line));
            default -> throw new IOException("not a RESP reply, type byte " + type);
        };
    }

    private String readBulk(int length) throws IOException {
        if (length < 0) return null;
        byte[] bytes = in.readNBytes(length);
        if (bytes.length != length) throw new IOException("connection closed in a bulk reply");
        readLine(); // the CRLF after the bulk
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private List<Object> readArray(int count) throws IOException {
        if (count < 0) return null;
        List<Object> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) items.add(readReply());
        return items;
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) throw new IOException("connection closed in a reply line");
            if (b == '\r') {
                int lf = in.read();
                if (lf != '\n') throw new IOException("CR without LF in a reply line");
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
