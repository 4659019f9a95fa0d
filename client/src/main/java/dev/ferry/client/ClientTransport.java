package dev.ferry.client;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.ThreadFactory;

/**
 * The socket transport of a {@link FerryClient}: Netty's native epoll transport where the platform
 * has it (Linux x86_64), else Java NIO. Epoll talks to the kernel directly: a migration is a
 * connect, a RESUME and a close, and through NIO each of those also pays the JDK selector's
 * bookkeeping ({@code epoll_ctl} per interest change, a blocking-mode switch per new socket).
 *
 * <p>Netty's own switch turns the native transport off: {@code -Dio.netty.transport.noNative=true}.
 */
record ClientTransport(String name, EventLoopGroup group, Class<? extends SocketChannel> channelClass) {

    static ClientTransport create(int threads, ThreadFactory threadFactory) {
        if (Epoll.isAvailable()) {
            return new ClientTransport(
                    "epoll", new EpollEventLoopGroup(threads, threadFactory), EpollSocketChannel.class);
        }
        return new ClientTransport("nio", new NioEventLoopGroup(threads, threadFactory), NioSocketChannel.class);
    }
}
