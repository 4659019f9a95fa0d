package dev.ferry.protocol;

/** Severity of a {@link Frame.Message}. */
public enum Severity {
    INFO(0),
    WARNING(1),
    ERROR(2);

    private final int code;

    Severity(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Severity of(int code) {
        for (Severity s : values()) if (s.code == code) return s;
        return null;
    }
}
