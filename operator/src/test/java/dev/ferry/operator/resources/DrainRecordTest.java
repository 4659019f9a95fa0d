package dev.ferry.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class DrainRecordTest {

    private static final Instant T0 = Instant.parse("2026-12-06T06:30:00Z");

    @Test
    void aDrainIsOneVersionedJsonAnnotation() {
        DrainRecord record = DrainRecord.requested(DrainReason.Rollout, T0.minusSeconds(1))
                .draining(T0, List.of("10.244.0.7:7000"), 120, new DrainRecord.Counters(3, 3, 0, 0));

        assertThat(record.toJson())
                .isEqualTo(
                        "{\"version\":1,\"state\":\"Draining\",\"reason\":\"Rollout\",\"requestedAt\":\"2026-12-06T06:29:59Z\",\"startedAt\":\"2026-12-06T06:30:00Z\","
                                + "\"targets\":[\"10.244.0.7:7000\"],\"sessionsAtStart\":120,"
                                + "\"countersAtStart\":{\"requested\":3,\"completed\":3,\"failed\":0,\"handedOff\":0},\"announced\":false}");
        assertThat(DrainRecord.of(pod(Map.of(DrainRecord.ANNOTATION, record.toJson()))))
                .contains(record);
    }

    @Test
    void aPodMarkedWithOneAnnotationPerFieldReadsTheSame() {
        Pod legacy = pod(Map.of(
                "ferry.dev/drain-state", "Draining",
                "ferry.dev/drain-reason", "NodeDrain",
                "ferry.dev/drain-started-at", T0.toString(),
                "ferry.dev/drain-targets", "10.244.0.7:7000, 10.244.0.8:7000",
                "ferry.dev/drain-sessions", "40",
                "ferry.dev/drain-counters", "5,4,1"));

        assertThat(DrainRecord.of(legacy))
                .contains(new DrainRecord(
                        DrainState.Draining,
                        DrainReason.NodeDrain,
                        null,
                        T0,
                        List.of("10.244.0.7:7000", "10.244.0.8:7000"),
                        40,
                        new DrainRecord.Counters(5, 4, 1, 0),
                        false));
        assertThat(DrainRecord.of(pod(Map.of("ferry.dev/drain-state", "Sideways")))
                        .map(DrainRecord::state))
                .as("an unknown state still means a drain was asked for")
                .contains(DrainState.Requested);
    }

    @Test
    void anEvictionDrainIsVersionOneJsonAndReadsTheSameInBothForms() {
        DrainRecord record = DrainRecord.requested(DrainReason.Eviction, T0)
                .draining(T0.plusSeconds(2), List.of("10.244.0.7:7000"), 30, DrainRecord.Counters.ZERO);
        assertThat(record.toJson()).startsWith("{\"version\":1,\"state\":\"Draining\",\"reason\":\"Eviction\",");
        assertThat(DrainRecord.parse(record.toJson())).isEqualTo(record);
        assertThat(DrainRecord.of(
                                pod(Map.of("ferry.dev/drain-state", "Draining", "ferry.dev/drain-reason", "Eviction")))
                        .map(DrainRecord::reason))
                .contains(DrainReason.Eviction);
        // What an operator without the value does with it: the drain goes on, as a scale-down.
        assertThat(DrainRecord.parse(record.toJson().replace("\"Eviction\"", "\"SomethingNewer\""))
                        .reason())
                .isEqualTo(DrainReason.ScaleDown);
    }

    @Test
    void writingARecordRemovesTheOnePerFieldAnnotations() {
        Map<String, String> patch =
                DrainRecord.requested(DrainReason.ScaleDown, T0).patchAnnotations();

        assertThat(patch).containsKey(DrainRecord.ANNOTATION);
        assertThat(patch).containsEntry("ferry.dev/drain-state", null).containsEntry("ferry.dev/drain-counters", null);
    }

    @Test
    void badValuesAreRefusedWithWhatIsWrong() {
        assertThatThrownBy(() -> DrainRecord.parse("{")).hasMessageContaining("ferry.dev/drain is not JSON");
        assertThatThrownBy(() -> DrainRecord.parse("[]")).hasMessageContaining("must be a JSON object");
        assertThatThrownBy(() -> DrainRecord.parse("{\"state\":\"Draining\"}")).hasMessageContaining("version");
        assertThatThrownBy(() -> DrainRecord.parse("{\"version\":1,\"state\":\"Gone\"}"))
                .hasMessageContaining("unknown state");
    }

    @Test
    void aNewerVersionIsReadForTheFieldsThisOneKnows() {
        DrainRecord read = DrainRecord.parse(
                "{\"version\":7,\"state\":\"Drained\",\"reason\":\"ScaleDown\",\"future\":{\"x\":1}}");

        assertThat(read.state()).isEqualTo(DrainState.Drained);
    }

    @Property(tries = 500)
    void everyRecordSurvivesTheAnnotation(@ForAll("records") DrainRecord record) {
        assertThat(DrainRecord.parse(record.toJson())).isEqualTo(record);
    }

    @Property(tries = 2000)
    void anyAnnotationValueReadsAsADrainAndNeverAsServing(@ForAll String value) {
        assertThat(DrainRecord.of(pod(Map.of(DrainRecord.ANNOTATION, value)))).isPresent();
    }

    @Property(tries = 1000)
    void mangledRecordsAreRefusedWithAMessageOrRead(@ForAll("records") DrainRecord record, @ForAll("cuts") int cut) {
        String json = record.toJson();
        String mangled = json.substring(0, Math.min(cut, json.length()));
        try {
            DrainRecord.parse(mangled);
        } catch (IllegalArgumentException e) {
            assertThat(e).hasMessageContaining(DrainRecord.ANNOTATION);
        }
    }

    @Provide
    Arbitrary<Integer> cuts() {
        return Arbitraries.integers().between(0, 400);
    }

    @Provide
    Arbitrary<DrainRecord> records() {
        Arbitrary<List<String>> targets = Arbitraries.strings()
                .withChars("abc.:-0123456789")
                .ofMinLength(1)
                .ofMaxLength(20)
                .filter(s -> !s.isBlank())
                .list()
                .ofMaxSize(4);
        Arbitrary<Instant> started = Arbitraries.longs()
                .between(0, 4_000_000_000L)
                .map(Instant::ofEpochSecond)
                .injectNull(0.2);
        Arbitrary<DrainRecord.Counters> counters = Arbitraries.longs()
                .between(0, Long.MAX_VALUE)
                .list()
                .ofSize(4)
                .map(v -> new DrainRecord.Counters(v.get(0), v.get(1), v.get(2), v.get(3)));
        return Combinators.combine(
                        Arbitraries.of(DrainState.class),
                        Arbitraries.of(DrainReason.class),
                        started,
                        started,
                        targets,
                        Arbitraries.longs().between(0, Long.MAX_VALUE),
                        counters,
                        Arbitraries.of(true, false))
                .as(DrainRecord::new);
    }

    private static Pod pod(Map<String, String> annotations) {
        return new PodBuilder()
                .withNewMetadata()
                .withName("p")
                .withUid("u")
                .withAnnotations(annotations)
                .endMetadata()
                .build();
    }
}
