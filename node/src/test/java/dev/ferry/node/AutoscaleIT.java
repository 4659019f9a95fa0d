package dev.ferry.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.events.v1.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's own autoscaler on the real cluster: a fleet with {@code spec.autoscaling} at 20 sessions per pod
 * holds one pod for 20 clients; 40 more make it scale to 3, and the new pods get their share by rebalance; when the
 * 40 leave, it scales back to 1 one pod at a time, each removed pod migrating its sessions first, and the 20
 * clients that stayed throughout see no failed command.
 */
class AutoscaleIT extends FerryOnNode {

    private static final Logger log = LoggerFactory.getLogger(AutoscaleIT.class);
    private static final int TARGET = 20;
    private static final int BASE = 20;
    private static final int SURGE = 40;
    private static final int SCALE_DOWN_WINDOW_SECONDS = 30;
    private static final Duration THINK = Duration.ofMillis(20);

    @Test
    void sessionsScaleTheFleetUpWithRebalanceAndDownWithDrains() {
        Fleet fleet = Fleet.apply(
                cluster(),
                namespace,
                fleetManifest(
                        "auto",
                        1,
                        SERVER_IMAGE,
                        "Pod",
                        20,
                        600,
                        "  autoscaling:\n"
                                + "    minReplicas: 1\n"
                                + "    maxReplicas: 4\n"
                                + "    targetSessionsPerPod: " + TARGET + "\n"
                                + "    scaleDown:\n"
                                + "      stabilizationWindowSeconds: " + SCALE_DOWN_WINDOW_SECONDS + "\n"));
        fleet.awaitSettled(1, SETTLE);
        fleet.awaitServiceRoutes(1, Duration.ofMinutes(1));

        try (Timeline timeline = Timeline.start(fleet);
                CheckedSessions base = CheckedSessions.start(fleet.serviceAddress(), BASE, THINK)) {
            base.awaitRounds(2, Duration.ofMinutes(1));
            NodeCluster.await("the autoscaler counting " + BASE + " sessions", Duration.ofMinutes(1), () -> {
                FleetStatus s = fleet.status();
                return s.sessionCount() == BASE
                        && s.autoscaling() != null
                        && Integer.valueOf(1).equals(s.autoscaling().recommendedReplicas());
            });
            assertThat(fleet.events("Autoscaled")).as("no change at the target").isEmpty();

            Instant surgeAt;
            try (CheckedSessions surge = CheckedSessions.start(fleet.serviceAddress(), SURGE, THINK)) {
                surgeAt = Instant.now();
                surge.awaitRounds(2, Duration.ofMinutes(1));
                NodeCluster.await(
                        "spec.replicas raised to 3 and its Event",
                        SETTLE,
                        () -> fleet.specReplicas() == 3
                                && !fleet.events("Autoscaled").isEmpty());
                Event up = fleet.events("Autoscaled").get(0);
                log.info("first scale-up {} s after the load rose: {}", secondsBetween(surgeAt, up), up.getNote());

                fleet.awaitSettled(3, SETTLE);
                awaitRebalanced(fleet);
                surge.awaitRounds(surge.roundsDone() + 2, Duration.ofMinutes(1));
                Map<String, Long> perPod = fleet.status().sessionsByPod();
                log.info("after the scale-up: sessions per pod {}", perPod);
                assertThat(perPod).hasSize(3);
                assertThat(perPod.values())
                        .as("every pod near the target after rebalance")
                        .allSatisfy(n -> assertThat(n).isBetween((long) TARGET / 2, (long) TARGET * 3 / 2));

                CheckedSessions.Summary surgeSummary = surge.stop(Duration.ofMinutes(2));
                log.info("the 40 that leave: {}", surgeSummary);
                assertNothingFailed(surgeSummary);
            }
            Instant dropAt = Instant.now();

            NodeCluster.await(
                    "scaled down to 1 with its drains done",
                    SETTLE.multipliedBy(2),
                    () -> fleet.specReplicas() == 1 && fleet.status().settled(fleet.generation(), 1));
            List<Event> changes = fleet.events("Autoscaled");
            changes.forEach(e -> log.info("Autoscaled at +{} s: {}", secondsBetween(surgeAt, e), e.getNote()));
            List<int[]> steps = changes.stream().map(AutoscaleIT::fromTo).toList();
            int ups = (int) steps.stream().takeWhile(st -> st[1] > st[0]).count();
            assertThat(ups).as("scale-ups while the clients connect").isBetween(1, 2);
            assertThat(steps.get(0)[0]).isEqualTo(1);
            assertThat(steps.get(ups - 1)[1]).as("scaled up to 60 / 20").isEqualTo(3);
            assertThat(steps.subList(ups, steps.size()))
                    .as("then down one pod at a time")
                    .containsExactly(new int[] {3, 2}, new int[] {2, 1});
            assertThat(changes.get(ups).getNote())
                    .contains((long) BASE + " sessions", "for " + SCALE_DOWN_WINDOW_SECONDS + " s");
            double firstDown = secondsBetween(dropAt, changes.get(ups));
            log.info("first scale-down {} s after the load fell", firstDown);
            assertThat(firstDown)
                    .as("not before the scale-down window")
                    .isGreaterThanOrEqualTo(SCALE_DOWN_WINDOW_SECONDS - 2);
            assertThat(fleet.events("DrainFinished"))
                    .as("each removed pod drained")
                    .hasSize(2);

            base.awaitRounds(base.roundsDone() + 2, Duration.ofMinutes(1));
            CheckedSessions.Summary summary = base.stop(Duration.ofMinutes(2));
            log.info("the {} that stay: {}", BASE, summary);
            assertNothingFailed(summary);
            String last = fleet.pods().get(0).getMetadata().getName();
            assertThat(summary.sessionsByPod()).as("all on the pod left").containsOnlyKeys(last);
            assertThat(fleet.status().autoscaling().recommendedReplicas()).isEqualTo(1);
            log.info("replicas and sessions per pod over time (s since start):\n{}", timeline);
        }
    }

    private static void awaitRebalanced(Fleet fleet) {
        NodeCluster.await(
                "rebalance onto the new pods finished",
                SETTLE,
                () -> !fleet.events("RebalanceFinished").isEmpty()
                        && fleet.status()
                                .conditionOf("Rebalancing")
                                .map(c -> "False".equals(c.status()))
                                .orElse(false));
    }

    private static final java.util.regex.Pattern SCALED =
            java.util.regex.Pattern.compile("Scaled from (\\d+) to (\\d+)");

    private static int[] fromTo(Event event) {
        java.util.regex.Matcher m = SCALED.matcher(event.getNote());
        assertThat(m.find()).as(event.getNote()).isTrue();
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    private static double secondsBetween(Instant from, Event event) {
        Instant at = Fleet.eventTime(event);
        return Duration.between(from, at).toMillis() / 1000.0;
    }

    /** spec.replicas and the status's sessions per pod, sampled every second while the scenario runs. */
    private static final class Timeline implements AutoCloseable {
        private final List<String> rows = new ArrayList<>();
        private final Thread sampler;
        private volatile boolean stopped;

        private Timeline(Fleet fleet) {
            long start = System.nanoTime();
            sampler = Thread.ofVirtual().name("timeline").start(() -> {
                while (!stopped) {
                    try {
                        FleetStatus s = fleet.status();
                        Map<String, Long> perPod = new TreeMap<>(s.sessionsByPod());
                        String row = "%6.1f  replicas %d  sessions %d  per pod %s"
                                .formatted(
                                        (System.nanoTime() - start) / 1e9,
                                        fleet.specReplicas(),
                                        s.sessionCount(),
                                        perPod.values());
                        synchronized (rows) {
                            if (rows.isEmpty()
                                    || !rows.get(rows.size() - 1).substring(6).equals(row.substring(6))) {
                                rows.add(row);
                            }
                        }
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        // The API server may be briefly unreachable; the next sample tries again.
                    }
                }
            });
        }

        static Timeline start(Fleet fleet) {
            return new Timeline(fleet);
        }

        @Override
        public String toString() {
            synchronized (rows) {
                return String.join("\n", rows);
            }
        }

        @Override
        public void close() {
            stopped = true;
            sampler.interrupt();
        }
    }
}
