package dev.ferry.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiRequestLogTest {

  private static final String OPERATOR = "ferry-operator/bench";

  @TempDir
  Path dir;

  /** A line as kube-apiserver v1.34 writes it at -v=3. */
  private static String line(String time, String verb, String uri, String agent) {
    return "I1122 " + time + "   19727 httplog.go:134] \"HTTP\" verb=\"" + verb + "\" URI=\"" + uri + "\" latency=\"564.76µs\" userAgent=\""
        + agent + "\" audit-ID=\"5dae0ee5\" srcIP=\"127.0.0.1:46548\" apf_pl=\"workload-low\" apf_fs=\"service-accounts\" apf_iseats=1"
        + " apf_fseats=0 apf_additionalLatency=\"0s\" apf_execution_time=\"265.658µs\" resp=200\n";
  }

  @Test
  void countsTheAgentsRequestsThatEndedInTheWindowByVerbAndResource() throws IOException {
    Path log = dir.resolve("kube-apiserver.log");
    Files.writeString(log, line("10:00:00.500000", "GET", "/api/v1/namespaces/n/secrets/s", OPERATOR));
    ApiRequestLog requests = new ApiRequestLog(log);
    long from = requests.offset();
    Files.writeString(log, String.join("",
        line("10:00:00.900000", "GET", "/api/v1/namespaces/n/secrets/s", OPERATOR), // logged late, ended before the window
        line("10:00:01.100000", "GET", "/api/v1/namespaces/n/secrets/s", OPERATOR),
        line("10:00:01.200000", "APPLY", "/apis/ferry.dev/v1alpha1/namespaces/n/serverfleets/f/status?fieldManager=x", OPERATOR),
        line("10:00:01.300000", "LIST", "/apis/ferry.dev/v1alpha1/namespaces/n/serverfleets?resourceVersion=0", OPERATOR),
        line("10:00:01.400000", "WATCH", "/api/v1/namespaces/n/pods?watch=true", OPERATOR),
        line("10:00:01.500000", "GET", "/api/v1/namespaces/n/pods/p", "ferry-bench/driver"),
        "I1122 10:00:01.600000   19727 controller.go:1] something else\n",
        line("10:00:02.100000", "GET", "/api/v1/namespaces/n/secrets/s", OPERATOR)), StandardOpenOption.APPEND);

    ApiRequestLog.Counts counts =
        requests.count(from, LocalTime.parse("10:00:01"), LocalTime.parse("10:00:02"), OPERATOR::equals);

    assertThat(counts.total()).isEqualTo(4);
    assertThat(counts.watches()).isEqualTo(1);
    assertThat(counts.requests()).isEqualTo(3);
    assertThat(counts.byVerbAndResource()).containsExactly(
        java.util.Map.entry("APPLY serverfleets/status", 1L), java.util.Map.entry("GET secrets", 1L),
        java.util.Map.entry("LIST serverfleets", 1L), java.util.Map.entry("WATCH pods", 1L));
    assertThat(counts.requestsOn("secrets")).isEqualTo(1);
    assertThat(counts.requestsOn("pods")).as("a watch is not a request").isZero();
    assertThat(requests.writtenPast(from, LocalTime.parse("10:00:02"))).isTrue();
    assertThat(requests.writtenPast(from, LocalTime.parse("10:00:03"))).isFalse();
    assertThat(requests.agents(0)).containsEntry(OPERATOR, 7L).containsEntry("ferry-bench/driver", 1L);
  }

  @Test
  void resourceIsTheKindAndSubresourceWithoutNamespaceOrName() {
    assertThat(request("/api/v1/namespaces/n/pods/p/status").resource()).isEqualTo("pods/status");
    assertThat(request("/api/v1/nodes/node-1").resource()).isEqualTo("nodes");
    assertThat(request("/apis/coordination.k8s.io/v1/namespaces/n/leases/l").resource()).isEqualTo("leases");
    assertThat(request("/apis/ferry.dev/v1alpha1/namespaces/n/serverfleets?watch=true").resource()).isEqualTo("serverfleets");
    assertThat(request("/api/v1/namespaces/n").resource()).isEqualTo("namespaces");
    assertThat(request("/healthz").resource()).isEqualTo("/healthz");
  }

  private static ApiRequestLog.Request request(String uri) {
    return new ApiRequestLog.Request("GET", uri, OPERATOR, 200);
  }
}
