package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import dev.ferry.testkit.Waits;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * FERRY_MAX_FRAME_BYTES and FERRY_HANDSHAKE_TIMEOUT: their defaults and bounds, and that a reference server
 * process started with them enforces them on the wire.
 */
@ExtendWith(RedisServerExtension.class)
class ServerConfigLimitsTest {
    static RedisServer redis;

    private static Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>(Map.of("FERRY_SERVER_NAME", "pod-0", "FERRY_ADMIN_INSECURE", "true"));
        for (int i = 0; i < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        return env;
    }

    @Test
    void oneMebibyteAndTenSecondsUnlessSet() {
        ServerConfig config = ServerConfig.fromEnvironment(env());
        assertThat(config.maxFrameBytes()).isEqualTo(1 << 20);
        assertThat(config.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        ServerConfig set =
                ServerConfig.fromEnvironment(env("FERRY_MAX_FRAME_BYTES", "4096", "FERRY_HANDSHAKE_TIMEOUT", "2"));
        assertThat(set.maxFrameBytes()).isEqualTo(4096);
        assertThat(set.handshakeTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void outOfBoundsOrGarbageSaysWhatIsAllowed() {
        for (String bad : new String[] {"0", "1023", "67108865", "1MiB"}) {
            assertThatThrownBy(() -> ServerConfig.fromEnvironment(env("FERRY_MAX_FRAME_BYTES", bad)))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("FERRY_MAX_FRAME_BYTES must be an integer in 1024..67108864");
        }
        for (String bad : new String[] {"0", "3601", "10s"}) {
            assertThatThrownBy(() -> ServerConfig.fromEnvironment(env("FERRY_HANDSHAKE_TIMEOUT", bad)))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("FERRY_HANDSHAKE_TIMEOUT must be an integer in 1..3600");
        }
    }

    @Test
    void aServerProcessEnforcesBoth() throws Exception {
        Map<String, String> env = new HashMap<>(ServerProcess.env("limits", "", redis));
        env.put("FERRY_MAX_FRAME_BYTES", "2048");
        env.put("FERRY_HANDSHAKE_TIMEOUT", "1");
        try (ServerProcess server = ServerProcess.start(env)) {
            try (Socket s = connect(server.address)) {
                // A COMMAND header announcing 4,096 bytes: refused from the length alone, before any payload.
                OutputStream out = s.getOutputStream();
                out.write(new byte[] {0, 0, 0x10, 0, 0x03});
                out.flush();
                assertThat(readErrorCode(s)).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
            }
            try (Socket s = connect(server.address)) {
                // Silent after connecting: the server gives up on the handshake after FERRY_HANDSHAKE_TIMEOUT.
                assertThat(readErrorCode(s)).isEqualTo(ErrorCode.HANDSHAKE_TIMEOUT);
            }
        }
    }

    private static Socket connect(String hostPort) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        Socket s = new Socket();
        s.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))));
        s.setSoTimeout((int) Waits.STATE.toMillis());
        return s;
    }

    /** Reads one frame, which must be ERROR, and returns its code. */
    private static ErrorCode readErrorCode(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        int length = in.readInt();
        int type = in.readUnsignedByte();
        assertThat(type).as("frame type (ERROR is 0x0D), length " + length).isEqualTo(0x0D);
        return ErrorCode.of(in.readUnsignedShort());
    }
}
