package dev.ferry.protocol;

/** Bits of {@link Frame.Done#flags()}. */
public final class DoneFlags {
    /** The last DONE of the request: no frame for this request follows. */
    public static final int FINAL = 0x01;
    /** The request failed; a MESSAGE with severity ERROR precedes this DONE. */
    public static final int ERROR = 0x02;
    /** The request was cancelled by the client's ATTENTION. Always together with FINAL. */
    public static final int ATTENTION = 0x04;
    /** All bits defined by this protocol version; others are a protocol error. */
    public static final int KNOWN = FINAL | ERROR | ATTENTION;

    private DoneFlags() {}

    public static boolean has(int flags, int bit) {
        return (flags & bit) != 0;
    }
}
