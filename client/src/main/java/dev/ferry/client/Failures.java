package dev.ferry.client;

/**
 * Failures are recorded on the event loop and thrown on the caller's thread later. A fresh
 * exception of the same type, caused by the recorded one, gives the caller a stack trace of its
 * own call while keeping the original.
 */
final class Failures {
    private Failures() {}

    static FerryException forCaller(FerryException recorded) {
        return switch (recorded) {
            case CommandFailedException e -> {
                CommandFailedException copy = new CommandFailedException(e.requestId(), e.command(), e.serverMessage());
                copy.initCause(e);
                yield copy;
            }
            case CommandTimeoutException e -> {
                CommandTimeoutException copy = new CommandTimeoutException(e.getMessage());
                copy.initCause(e);
                yield copy;
            }
            case SessionExpiredException e -> new SessionExpiredException(e.getMessage(), e);
            case SessionLostException e -> new SessionLostException(e.getMessage(), e);
            case ServerLostException e -> new ServerLostException(e.getMessage(), e);
            case ResumeRefusedException e -> new ResumeRefusedException(e.code(), e.getMessage(), e);
            case ConnectFailedException e -> new ConnectFailedException(e.code(), e.getMessage(), e);
            default -> new FerryException(recorded.getMessage(), recorded);
        };
    }
}
