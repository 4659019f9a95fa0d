package dev.ferry.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Finds TCP ports on 127.0.0.1 that nothing listens on right now. */
public final class FreePorts {
    private FreePorts() {}

    /**
     * Asks the kernel for an ephemeral port by binding to port 0, then releases it. Another process
     * could take it before the caller binds it; callers that start servers retry on a clash.
     */
    public static int next() {
        try (ServerSocket socket = new ServerSocket()) {
            // No SO_REUSEADDR: we want a port that is not even in TIME_WAIT.
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on 127.0.0.1", e);
        }
    }

    /** True if a listener could bind {@code port} on 127.0.0.1 at this moment. */
    public static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
