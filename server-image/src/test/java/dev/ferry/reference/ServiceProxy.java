package dev.ferry.reference;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for a Kubernetes Service on loopback: forwards each new connection to the backend
 * set last ({@link #routeTo}); connections already made stay where they are. Lets a test send a
 * client's first connection to one server and its resume to another.
 */
final class ServiceProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Socket> clientSides = new CopyOnWriteArrayList<>();
    private volatile String backend;
    private volatile boolean severed;

    ServiceProxy(String backend) throws IOException {
        this.backend = backend;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("service-proxy-accept").start(this::accept);
    }

    String address() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    void routeTo(String backend) {
        this.backend = backend;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                sockets.add(client);
                clientSides.add(client);
                String[] hp = backend.split(":");
                Socket server = new Socket();
                sockets.add(server);
                try {
                    server.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 2000);
                } catch (IOException e) {
                    client.close(); // the backend is down: a refused connection, as a Service with no endpoint
                    continue;
                }
                Thread.ofVirtual().start(() -> pump(client, server, server));
                Thread.ofVirtual().start(() -> pump(server, client, server));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /**
     * A network blip as the client sees it: every client's connection drops, while the servers'
     * ends stay open and what the servers send goes nowhere, so each server still thinks its
     * sessions are connected (until the proxy closes).
     */
    void severClients() throws IOException {
        severed = true;
        for (Socket s : clientSides) s.close();
    }

    private void pump(Socket from, Socket to, Socket serverSide) {
        try {
            from.getInputStream().transferTo(to.getOutputStream()); // closing a stream would close its socket
        } catch (IOException ignored) {
            // either side went away
        }
        if (severed) {
            if (from == serverSide) drain(serverSide);
            return; // the server's end stays open: close() ends it
        }
        try {
            from.close();
            to.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    private static void drain(Socket serverSide) {
        try {
            serverSide.getInputStream().transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the proxy closed
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
