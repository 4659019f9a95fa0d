package dev.ferry.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.epoll.Epoll;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class ClientTransportTest {

    @Test
    void nativeEpollOnLinuxX86_64() {
        boolean linuxX64 =
                System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
                        && System.getProperty("os.arch").equals("amd64");
        // The native library ships in the client's dependencies: where it can load, it must.
        if (linuxX64)
            assertThat(Epoll.isAvailable())
                    .as("epoll unavailable: %s", Epoll.unavailabilityCause())
                    .isTrue();
        ClientTransport transport = ClientTransport.create(1, new DefaultThreadFactory("transport-test", true));
        try {
            assertThat(transport.name()).isEqualTo(Epoll.isAvailable() ? "epoll" : "nio");
            assertThat(transport.channelClass().getSimpleName())
                    .isEqualTo(Epoll.isAvailable() ? "EpollSocketChannel" : "NioSocketChannel");
        } finally {
            transport.group().shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }
}
