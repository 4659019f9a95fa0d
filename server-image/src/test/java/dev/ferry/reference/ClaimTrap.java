package dev.ferry.reference;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A loopback TCP proxy between a server and redis-server that can catch the moment a claim has
 * run in Redis but its answer has not reached the server: once {@link #arm armed}, the first
 * script call (EVALSHA/EVAL) the server sends passes through, and Redis's answer to it is held
 * back while {@code onAnswer} runs (the test kills the server there). Everything else is
 * forwarded unchanged.
 */
final class ClaimTrap implements AutoCloseable {
    private final ServerSocket listener;
    private final int redisPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicBoolean armed = new AtomicBoolean();
    private final AtomicBoolean scriptSent = new AtomicBoolean();
    private final CountDownLatch sprung = new CountDownLatch(1);
    private volatile Runnable onAnswer = () -> {};

    ClaimTrap(int redisPort) throws IOException {
        this.redisPort = redisPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("claim-trap-accept").start(this::accept);
    }

    String uri() {
        return "redis://127.0.0.1:" + listener.getLocalPort();
    }

    /** From now on, the answer to the next script call runs {@code action} instead of reaching the server. */
    void arm(Runnable action) {
        onAnswer = action;
        armed.set(true);
    }

    boolean awaitSprung(java.time.Duration timeout) throws InterruptedException {
        return sprung.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket server = listener.accept();
                Socket redis = new Socket();
                sockets.add(server);
                sockets.add(redis);
                redis.connect(new InetSocketAddress("127.0.0.1", redisPort), 2000);
                Thread.ofVirtual().start(() -> pump(server, redis, true));
                Thread.ofVirtual().start(() -> pump(redis, server, false));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean towardsRedis) {
        byte[] buf = new byte[16384];
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (towardsRedis && armed.get()) {
                    String text = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                    if (text.contains("EVAL")) scriptSent.set(true); // EVALSHA, or EVAL after NOSCRIPT
                } else if (!towardsRedis
                        && armed.get()
                        && scriptSent.get()
                        && !new String(buf, 0, n, StandardCharsets.ISO_8859_1).startsWith("-NOSCRIPT")) {
                    // (NOSCRIPT: the script was not loaded yet and did not run; the client sends it again with EVAL.)
                    armed.set(false);
                    onAnswer.run(); // the claim has run in Redis; its answer goes nowhere
                    sprung.countDown();
                    return;
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // either side went away
        } finally {
            try {
                from.close();
                to.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
