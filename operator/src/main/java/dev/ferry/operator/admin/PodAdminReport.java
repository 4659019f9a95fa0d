package dev.ferry.operator.admin;

import java.time.Instant;
import java.util.Objects;

/**
 * What one pod's admin API answered at one poll: its status, or why there was none. {@code
 * answerExpected}: the pod is ready, so a failure to answer counts as a failing admin API (a starting
 * pod's admin API may not listen yet).
 */
public record PodAdminReport(
        String pod, Instant fetchedAt, PodAdminStatus status, String failure, boolean answerExpected) {

    public PodAdminReport {
        Objects.requireNonNull(pod, "pod");
        Objects.requireNonNull(fetchedAt, "fetchedAt");
    }

    static PodAdminReport answered(String pod, Instant at, PodAdminStatus status) {
        return new PodAdminReport(pod, at, status, null, true);
    }

    static PodAdminReport failed(String pod, Instant at, String failure, boolean answerExpected) {
        return new PodAdminReport(pod, at, null, failure, answerExpected);
    }

    /** Same answer, whenever it was fetched: a poll that learns nothing new triggers no reconciliation. */
    boolean sameAnswer(PodAdminReport other) {
        return other != null
                && pod.equals(other.pod)
                && Objects.equals(status, other.status)
                && Objects.equals(failure, other.failure)
                && answerExpected == other.answerExpected;
    }
}
