package dev.ferry.client;

import dev.ferry.protocol.Frame;
import dev.ferry.protocol.ResumeToken;
import dev.ferry.protocol.SessionId;
import io.netty.channel.Channel;

/**
 * What one session is right now: its phase, the connection it lives on, which server holds it and
 * what was said before that connection closed. The parts of {@link SessionEngine} share it; they
 * all run on the session's event loop, so the plain fields need no guard. The volatile fields are
 * also read by callers on other threads ({@link FerrySession}'s getters).
 */
final class SessionState {
    enum Phase {
        CONNECTING,
        OPEN,
        MOVING,
        AWAITING_CANCEL,
        FAILED,
        CLOSED
    }

    // ---- event-loop state ----
    Phase phase = Phase.CONNECTING;
    /** The connection the session lives on; during a move, the source. */
    Channel channel;

    ResumeToken token;
    /** The last GOODBYE / connection-level ERROR on {@link #channel}, to explain a close. */
    Frame.Goodbye lastGoodbye;

    Frame.Error lastError;
    Throwable lastCause;

    // ---- also read by callers ----
    volatile SessionId sessionId;
    volatile String serverName = "";
    volatile String serverAddress;
    volatile int migrations;
    volatile FerryException failure;
    volatile MigrationListener listener;

    boolean ended() {
        return phase == Phase.FAILED || phase == Phase.CLOSED;
    }

    /** The session now lives on {@code target} at {@code address}, held by the server that sent {@code welcome}. */
    void resumedOn(Channel target, String address, Frame.Welcome welcome) {
        channel = target;
        phase = Phase.OPEN;
        token = welcome.resumeToken();
        serverName = welcome.serverName();
        serverAddress = address;
        lastGoodbye = null;
        lastError = null;
        lastCause = null;
    }

    /** Why {@link #channel} closed, as far as the server said or the connection failed; empty if nothing is known. */
    String closeDetail() {
        StringBuilder sb = new StringBuilder();
        if (lastGoodbye != null) {
            sb.append(" after GOODBYE(").append(lastGoodbye.reason());
            if (!lastGoodbye.text().isEmpty()) sb.append(": ").append(lastGoodbye.text());
            sb.append(')');
        }
        if (lastError != null)
            sb.append(" after ERROR ").append(lastError.code()).append(": ").append(lastError.text());
        if (lastCause != null) sb.append(" (").append(lastCause).append(')');
        return sb.toString();
    }
}
