package dev.ferry.controlplane.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretVolumesTest {

  @Test
  void valuesUnderAMountPathNameTheProjectedFiles() {
    List<SecretVolumes.Mount> mounts = List.of(
        new SecretVolumes.Mount("/etc/ferry", Path.of("/sandbox/volumes/config")),
        new SecretVolumes.Mount("/etc/ferry/tls", Path.of("/sandbox/volumes/tls")));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("FERRY_TLS_CERT_FILE", "/etc/ferry/tls/tls.crt");
    env.put("FERRY_CONFIG", "/etc/ferry/app.conf");
    env.put("DIR", "/etc/ferry/tls");
    env.put("OTHER", "/etc/ferry-tls/tls.crt");
    env.put("PLAIN", "hello");

    Map<String, String> out = SecretVolumes.rewrite(env, mounts);

    assertThat(out).containsEntry("FERRY_TLS_CERT_FILE", "/sandbox/volumes/tls/tls.crt")
        .as("the nested mount wins").containsEntry("FERRY_CONFIG", "/sandbox/volumes/config/app.conf")
        .containsEntry("DIR", "/sandbox/volumes/tls")
        .as("a prefix that is not a path component is left alone").containsEntry("OTHER", "/etc/ferry-tls/tls.crt")
        .containsEntry("PLAIN", "hello");
  }

  @Test
  void modesAreTheOctalBitsOfTheKubelet() {
    assertThat(PosixFilePermissions.toString(SecretVolumes.permissions(0400))).isEqualTo("r--------");
    assertThat(PosixFilePermissions.toString(SecretVolumes.permissions(0644))).isEqualTo("rw-r--r--");
    assertThat(PosixFilePermissions.toString(SecretVolumes.permissions(0755))).isEqualTo("rwxr-xr-x");
  }
}
