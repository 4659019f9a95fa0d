package dev.ferry.admin.api;

import java.util.List;

/**
 * The checks the request records run on their fields. Each failure is an {@link
 * InvalidRequestException} that names the field, says what was expected and what came, and shows a
 * valid body.
 */
final class Fields {
    private Fields() {}

    /** Validates one list entry; throws naming {@code field} (e.g. "targets[2]"). */
    @FunctionalInterface
    interface EntryCheck {
        void check(String field, String value);
    }

    static String listOf(int min, int max) {
        return "a list of " + min + " to " + max + " strings";
    }

    static String wholeNumber(long min, long max) {
        return "a whole number from " + min + " to " + max;
    }

    /** A required list of {@code min..max} strings, each passing {@code check}; returned as an immutable copy. */
    static List<String> strings(String field, List<String> values, int min, int max, EntryCheck check, String example) {
        if (values == null) throw required(field, listOf(min, max), example);
        if (values.size() < min || values.size() > max) {
            throw new InvalidRequestException("field '" + field + "' must hold " + min + " to " + max + " entries, had "
                    + values.size() + "; e.g. " + example);
        }
        for (int i = 0; i < values.size(); i++) {
            String name = field + "[" + i + "]";
            String value = values.get(i);
            if (value == null) throw wrong(name, "a string", "null", example);
            try {
                check.check(name, value);
            } catch (InvalidRequestException e) {
                throw e.getMessage().contains("e.g. {")
                        ? e
                        : new InvalidRequestException(e.getMessage() + "; e.g. " + example);
            }
        }
        return List.copyOf(values);
    }

    static InvalidRequestException required(String field, String expected, String example) {
        return new InvalidRequestException("field '" + field + "' is required: " + expected + "; e.g. " + example);
    }

    static InvalidRequestException wrong(String field, String expected, String got, String example) {
        return new InvalidRequestException(
                "field '" + field + "' must be " + expected + ", got " + got + "; e.g. " + example);
    }

    /** A number as a person would write it: 500 rather than 500.0. */
    static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }
}
