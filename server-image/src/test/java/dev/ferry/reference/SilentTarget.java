package dev.ferry.reference;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback address that accepts connections and never answers on them: a migration target that
 * holds a client's RESUME until the client's connect timeout, so a test can call the migration off
 * while the client waits. Closes its listener and every connection it accepted.
 */
final class SilentTarget implements AutoCloseable {
    private final ServerSocket listener;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    SilentTarget() throws IOException {
        listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        acceptor = Thread.ofVirtual().name("silent-target").start(this::accept);
    }

    String address() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    private void accept() {
        try {
            while (!listener.isClosed()) accepted.add(listener.accept());
        } catch (IOException e) {
            // The listener was closed: done.
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : accepted) s.close();
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
