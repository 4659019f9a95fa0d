package dev.ferry.operator.status;

import io.fabric8.kubernetes.api.model.IntOrString;

/** Resolves an int-or-percent value (maxSurge, maxUnavailable) against a number of replicas. */
public final class IntOrPercent {

    private IntOrPercent() {}

    /** The schema allows only n ≥ 0 or "0%".."100%"; anything else counts as {@code fallback}. */
    public static int resolve(IntOrString value, int replicas, boolean roundUp, int fallback) {
        if (value == null) {
            return fallback;
        }
        if (value.getIntVal() != null) {
            return value.getIntVal();
        }
        String s = value.getStrVal();
        if (s == null || !s.endsWith("%")) {
            return fallback;
        }
        try {
            int percent = Integer.parseInt(s.substring(0, s.length() - 1));
            long scaled = (long) percent * replicas;
            return (int) (roundUp ? (scaled + 99) / 100 : scaled / 100);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
