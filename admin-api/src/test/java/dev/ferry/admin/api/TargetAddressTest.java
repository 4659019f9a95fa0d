package dev.ferry.admin.api;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TargetAddressTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "10.0.0.2:7000",
                "server-0.ferry.default.svc.cluster.local:7000",
                "[fd00::1]:1",
                "[::1]:65535",
                "localhost:7000",
                "my_host:80"
            })
    void acceptsHostPort(String address) {
        assertThatCode(() -> TargetAddress.check("targets[0]", address)).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                ":7000",
                "host",
                "host:",
                "host:0",
                "host:65536",
                "host:-1",
                "host:7a",
                "fd00::1:7000",
                "[fd00::1]",
                "[]:7000",
                "[zz]:7000",
                "ho st:7000",
                "host.:7000",
                "-host:7000",
                "host:000070000"
            })
    void refusesAnythingElse(String address) {
        assertThatThrownBy(() -> TargetAddress.check("targets[0]", address))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("targets[0]");
    }
}
