package dev.ferry.admin.api;

/** Bounds the admin API shares with the session protocol. */
public final class Limits {
    /**
     * Targets one migration may offer a client: the protocol's MIGRATE frame holds at most this many
     * (the server's tests check the two agree).
     */
    public static final int MAX_TARGETS = 16;

    private Limits() {}
}
