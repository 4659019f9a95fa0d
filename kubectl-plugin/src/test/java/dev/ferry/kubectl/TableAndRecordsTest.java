package dev.ferry.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.admin.api.AdminJson;
import dev.ferry.admin.api.Claims;
import dev.ferry.admin.api.DrainStatus;
import dev.ferry.admin.api.Migrations;
import dev.ferry.admin.api.SessionCounts;
import dev.ferry.admin.api.StatusResponse;
import dev.ferry.admin.api.Timers;
import dev.ferry.admin.api.TlsStatus;
import dev.ferry.admin.api.WriteThrough;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Table rendering, and reading the drain record and the admin API's status. */
class TableAndRecordsTest {

    @Test
    void aTableAlignsColumnsLikeKubectl() {
        String t = new Table("POD", "SESSIONS", "DRAIN")
                .row("web-abc12", 30, null)
                .row("w", 1234, "Draining (Eviction)")
                .render();

        assertThat(t).isEqualTo("""
                POD         SESSIONS   DRAIN
                web-abc12   30         <none>
                w           1234       Draining (Eviction)
                """);
    }

    @Test
    void cellsAreMadePrintableAndRowsMustFit() {
        assertThat(new Table("A").row("x\u001b[2Jy\n").render()).isEqualTo("A\nx?[2Jy?\n");
        assertThatThrownBy(() -> new Table("A", "B").row("only one")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSessionsTableEndsWithTotals() {
        var rows = List.of(
                new KubectlFerry.PodRow(
                        "web-a", "5d8f", true, "true", null, new PodStatus(true, 20, 0, false, 0, 0), null),
                new KubectlFerry.PodRow(
                        "web-b",
                        "5d8f",
                        true,
                        "false",
                        "Draining (Eviction)",
                        new PodStatus(false, 7, 3, true, 13, 0),
                        null),
                new KubectlFerry.PodRow("web-c", "5d8f", false, "true", null, null, "not running (Pending)"));

        assertThat(KubectlFerry.sessionsTable(rows).render()).isEqualTo("""
                POD     REVISION   READY   SERVING   DRAIN                 SESSIONS   MIGRATING
                web-a   5d8f       yes     true      -                     20         0
                web-b   5d8f       yes     false     Draining (Eviction)   7          3
                web-c   5d8f       no      true      -                     ?          ?
                TOTAL                                                      27         3
                """);
    }

    @Test
    void theDrainsTableShowsAgesTargetsAndWhatIsLeft() {
        Instant now = Instant.parse("2026-12-06T10:00:00Z");
        DrainRecord record = DrainRecord.parse("""
                {"version":1,"state":"Draining","reason":"Eviction","requestedAt":"2026-12-06T09:58:30Z",
                 "startedAt":"2026-12-06T09:59:50Z","targets":["10.244.1.7:7000","10.244.2.3:7000"],
                 "sessionsAtStart":30,"countersAtStart":{"requested":0,"completed":0,"failed":0,"handedOff":0},
                 "announced":true}""");

        String t = KubectlFerry.drainsTable(List.of(new KubectlFerry.DrainRow("web-a", "web", record, 12L, null)), now)
                .render();

        assertThat(t).isEqualTo("""
                POD     FLEET   STATE      REASON     REQUESTED   STARTED   TARGETS                           AT START   LEFT
                web-a   web     Draining   Eviction   90s ago     10s ago   10.244.1.7:7000,10.244.2.3:7000   30         12
                """);
        assertThat(KubectlFerry.age(now.minusSeconds(3725), now)).isEqualTo("1h2m ago");
        assertThat(KubectlFerry.age(now.minusSeconds(600), now)).isEqualTo("10m ago");
        assertThat(KubectlFerry.age(now.plusSeconds(5), now)).isEqualTo("0s ago");
    }

    @Test
    void aDrainRecordIsReadAsTheOperatorWritesIt() {
        DrainRecord r = DrainRecord.of(Map.of(
                        "ferry.dev/drain",
                        "{\"version\":1,\"state\":\"Requested\",\"reason\":\"ScaleDown\",\"requestedAt\":\"2026-12-06T06:29:59Z\","
                                + "\"targets\":[],\"sessionsAtStart\":0,\"countersAtStart\":{},\"announced\":false}"))
                .orElseThrow();

        assertThat(r.state()).isEqualTo("Requested");
        assertThat(r.reason()).isEqualTo("ScaleDown");
        assertThat(r.requestedAt()).isEqualTo(Instant.parse("2026-12-06T06:29:59Z"));
        assertThat(r.startedAt()).isNull();
        assertThat(r.problem()).isNull();
    }

    @Test
    void aNewerVersionIsReadForTheFieldsKnownHere() {
        DrainRecord r = DrainRecord.parse(
                "{\"version\":7,\"state\":\"Paused\",\"reason\":\"Defrag\",\"targets\":[\"a:1\",5,\"\"],\"sessionsAtStart\":-4,\"new\":{}}");

        assertThat(r).isEqualTo(new DrainRecord("Paused", "Defrag", null, null, List.of("a:1"), 0, null));
    }

    @Test
    void anUnreadableRecordStillMeansADrain() {
        for (String bad : List.of(
                "",
                "not json",
                "[1]",
                "{\"state\":\"Draining\"}",
                "{\"version\":0,\"state\":\"x\"}",
                "{\"version\":1}")) {
            DrainRecord r = DrainRecord.parse(bad);
            assertThat(r.state()).as(bad).isEqualTo("Unreadable");
            assertThat(r.problem()).as(bad).startsWith("ferry.dev/drain");
        }
    }

    @Test
    void legacyAnnotationsAndARefusedEvictionWithoutARecord() {
        DrainRecord legacy = DrainRecord.of(Map.of(
                        "ferry.dev/drain-state", "Draining",
                        "ferry.dev/drain-reason", "Rollout",
                        "ferry.dev/drain-targets", "a:1, b:2",
                        "ferry.dev/drain-sessions", "9"))
                .orElseThrow();
        DrainRecord evicted = DrainRecord.of(Map.of("ferry.dev/eviction-requested", "2026-12-06T06:29:59Z"))
                .orElseThrow();

        assertThat(legacy)
                .isEqualTo(new DrainRecord("Draining", "Rollout", null, null, List.of("a:1", "b:2"), 9, null));
        assertThat(evicted.state()).isEqualTo("EvictionRequested");
        assertThat(evicted.requestedAt()).isEqualTo(Instant.parse("2026-12-06T06:29:59Z"));
        assertThat(DrainRecord.of(Map.of("other", "x"))).isEmpty();
        assertThat(DrainRecord.of(null)).isEmpty();
    }

    @Test
    void theAdminStatusAnswer() {
        PodStatus s = PodStatus.parse("""
                {"name":"web-a","serving":false,"sessions":{"total":12,"byState":{"NONE":5,"REQUESTED":4,"READY":2,
                "MIGRATING":1,"CANCELLED":0,"FAILED":0}},"drain":{"targets":["x:1"],"cancelled":false,"finished":true},
                "migrations":{"requested":20,"completed":8,"handedOff":0,"failed":1}}""");

        assertThat(s).isEqualTo(new PodStatus(false, 12, 7, true, 8, 1));
        assertThat(PodStatus.parse("{\"sessions\":{\"total\":0},\"drain\":null}")
                        .draining())
                .isFalse();
        assertThatThrownBy(() -> PodStatus.parse("<html>")).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> PodStatus.parse("{\"error\":\"x\"}")).hasMessageContaining("sessions.total");
    }

    @Test
    void theStatusAsTheServerWritesIt() {
        Map<String, Long> byState = new LinkedHashMap<>();
        SessionCounts.STATES.forEach(state -> byState.put(state, 1L));
        String body = AdminJson.toJson(new StatusResponse(
                "web-a",
                "10.0.0.1:7000",
                true,
                new SessionCounts(6, byState),
                new Timers(60, 600, false),
                new DrainStatus(List.of("x:1"), 0, 6, 0, 10, true, false),
                new Migrations(9, 4, 0, 2, "timeout"),
                "memory",
                new WriteThrough(false, 0, 0, 0),
                new Claims(0, 0, 0),
                new TlsStatus(false, 0, null),
                List.of()));

        assertThat(PodStatus.parse(body)).isEqualTo(new PodStatus(true, 6, 3, false, 4, 2));
    }
}
