package dev.ferry.operator.status;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Why pods that should be starting are not, in the kubelet's and the scheduler's own words: the waiting reasons that
 * need a person (an image that is not there, a container that keeps crashing, a Secret or ConfigMap that is missing)
 * and pods no node can take. Without this a fleet with a mistyped image just says "0 of 3 pods are ready", and the
 * user has to find out why from the pods.
 */
final class PodStartProblems {

    /** Waiting reasons that do not go away by themselves; the kubelet's transient ones (ContainerCreating) are left out. */
    static final Set<String> STUCK = Set.of(
            "ErrImagePull",
            "ImagePullBackOff",
            "ErrImageNeverPull",
            "InvalidImageName",
            "CrashLoopBackOff",
            "CreateContainerConfigError",
            "CreateContainerError",
            "RunContainerError");

    private static final int SHOWN = 3;

    private PodStartProblems() {}

    /** One line naming up to three stuck pods and why, or empty when none is stuck. */
    static Optional<String> describe(List<Pod> starting) {
        List<String> found = new ArrayList<>();
        starting.stream()
                .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                .forEach(p -> problem(p).ifPresent(found::add));
        if (found.isEmpty()) {
            return Optional.empty();
        }
        String shown = String.join("; ", found.subList(0, Math.min(SHOWN, found.size())));
        return Optional.of(found.size() > SHOWN ? shown + "; and " + (found.size() - SHOWN) + " more" : shown);
    }

    private static Optional<String> problem(Pod pod) {
        if (pod.getStatus() == null) {
            return Optional.empty();
        }
        String name = pod.getMetadata().getName();
        Optional<String> waiting = Stream.concat(
                        statuses(pod.getStatus().getInitContainerStatuses()),
                        statuses(pod.getStatus().getContainerStatuses()))
                .filter(s -> s.getState() != null
                        && s.getState().getWaiting() != null
                        && STUCK.contains(s.getState().getWaiting().getReason()))
                .findFirst()
                .map(s -> "pod " + name + ", container " + s.getName() + ": "
                        + s.getState().getWaiting().getReason()
                        + message(s.getState().getWaiting().getMessage()));
        if (waiting.isPresent()) {
            return waiting;
        }
        return pod.getStatus().getConditions() == null
                ? Optional.empty()
                : pod.getStatus().getConditions().stream()
                        .filter(c -> "PodScheduled".equals(c.getType())
                                && "False".equals(c.getStatus())
                                && "Unschedulable".equals(c.getReason()))
                        .findFirst()
                        .map((PodCondition c) -> "pod " + name + ": Unschedulable" + message(c.getMessage()));
    }

    private static Stream<ContainerStatus> statuses(List<ContainerStatus> list) {
        return list == null ? Stream.empty() : list.stream();
    }

    private static String message(String text) {
        if (text == null || text.isBlank()) {
            return "";
        }
        String line = text.strip().replaceAll("\\s+", " ");
        return " (" + (line.length() > 200 ? line.substring(0, 200) + "…" : line) + ")";
    }
}
