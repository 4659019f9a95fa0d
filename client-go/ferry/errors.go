package ferry

import (
	"errors"
	"fmt"

	"ferry.dev/client-go/internal/wire"
)

// Sentinel errors, for errors.Is. The errors the package returns wrap one of them (and, where a
// server said so, a *ServerError with its code and text).
var (
	// ErrCancelled: the request was cancelled (its context ended, Rows.Cancel, or Rows.Close
	// before the end). A context's own error is wrapped too.
	ErrCancelled = errors.New("ferry: request cancelled")
	// ErrCommandFailed: the server failed the command (DONE with ERROR, or ERROR
	// COMMAND_FAILED). errors.As with *CommandError gives the text.
	ErrCommandFailed = errors.New("ferry: command failed")
	// ErrSessionExpired: a resume found no context (ERROR SESSION_EXPIRED); the session ended.
	ErrSessionExpired = errors.New("ferry: session expired")
	// ErrBadToken: a server refused the resume token (ERROR BAD_TOKEN); the session ended.
	ErrBadToken = errors.New("ferry: resume token refused")
	// ErrAlreadyClaimed: every resume path said ALREADY_CLAIMED and the source is gone.
	ErrAlreadyClaimed = errors.New("ferry: session claimed by another server")
	// ErrSessionEnded: the server ended the session (GOODBYE SHUTDOWN or IDLE_TIMEOUT, or a
	// migration that could not complete).
	ErrSessionEnded = errors.New("ferry: session ended by the server")
	// ErrConnectionFailed: no connection could be made.
	ErrConnectionFailed = errors.New("ferry: connection failed")
	// ErrConnectionLost: the connection dropped and the session could not continue.
	ErrConnectionLost = errors.New("ferry: connection lost")
	// ErrProtocol: a server broke the protocol (or said PROTOCOL_ERROR / FRAME_TOO_LARGE).
	ErrProtocol = errors.New("ferry: protocol error")
	// ErrNotServing: the server is draining and takes no new sessions (ERROR NOT_SERVING).
	ErrNotServing = errors.New("ferry: server not serving")
	// ErrServerFull: the server holds its maximum number of sessions (ERROR SERVER_FULL).
	ErrServerFull = errors.New("ferry: server full")
	// ErrUnsupportedVersion: the server does not speak this client's protocol version.
	ErrUnsupportedVersion = errors.New("ferry: unsupported protocol version")
	// ErrClosed: the session was closed by its user.
	ErrClosed = errors.New("ferry: session closed")
)

// ErrorCode is an ERROR frame's code.
type ErrorCode uint16

// ERROR codes of protocol version 1.
const (
	CodeProtocolError      ErrorCode = ErrorCode(wire.CodeProtocolError)
	CodeUnsupportedVersion ErrorCode = ErrorCode(wire.CodeUnsupportedVersion)
	CodeFrameTooLarge      ErrorCode = ErrorCode(wire.CodeFrameTooLarge)
	CodeSessionExpired     ErrorCode = ErrorCode(wire.CodeSessionExpired)
	CodeBadToken           ErrorCode = ErrorCode(wire.CodeBadToken)
	CodeAlreadyClaimed     ErrorCode = ErrorCode(wire.CodeAlreadyClaimed)
	CodeStoreUnavailable   ErrorCode = ErrorCode(wire.CodeStoreUnavailable)
	CodeServerFull         ErrorCode = ErrorCode(wire.CodeServerFull)
	CodeHandshakeTimeout   ErrorCode = ErrorCode(wire.CodeHandshakeTimeout)
	CodeNotServing         ErrorCode = ErrorCode(wire.CodeNotServing)
	CodeMigrationCancelled ErrorCode = ErrorCode(wire.CodeMigrationCancelled)
	CodeClaimPending       ErrorCode = ErrorCode(wire.CodeClaimPending)
	CodeCommandFailed      ErrorCode = ErrorCode(wire.CodeCommandFailed)
)

var codeNames = map[ErrorCode]string{
	CodeProtocolError: "PROTOCOL_ERROR", CodeUnsupportedVersion: "UNSUPPORTED_VERSION",
	CodeFrameTooLarge: "FRAME_TOO_LARGE", CodeSessionExpired: "SESSION_EXPIRED", CodeBadToken: "BAD_TOKEN",
	CodeAlreadyClaimed: "ALREADY_CLAIMED", CodeStoreUnavailable: "STORE_UNAVAILABLE",
	CodeServerFull: "SERVER_FULL", CodeHandshakeTimeout: "HANDSHAKE_TIMEOUT", CodeNotServing: "NOT_SERVING",
	CodeMigrationCancelled: "MIGRATION_CANCELLED", CodeClaimPending: "CLAIM_PENDING",
	CodeCommandFailed: "COMMAND_FAILED",
}

func (c ErrorCode) String() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return fmt.Sprintf("ERROR_%d", uint16(c))
}

// ServerError is an ERROR frame a server sent. errors.Is matches it with the sentinel of its
// code (ErrSessionExpired for SESSION_EXPIRED, and so on).
type ServerError struct {
	Code      ErrorCode
	RequestID uint32
	Text      string
	// Address is where it came from.
	Address string
}

func (e *ServerError) Error() string {
	s := "ferry: server error " + e.Code.String()
	if e.Address != "" {
		s += " from " + e.Address
	}
	if e.Text != "" {
		s += ": " + e.Text
	}
	return s
}

// Is matches the sentinel of the error's code.
func (e *ServerError) Is(target error) bool {
	switch e.Code {
	case CodeProtocolError, CodeFrameTooLarge:
		return target == ErrProtocol
	case CodeUnsupportedVersion:
		return target == ErrUnsupportedVersion
	case CodeSessionExpired:
		return target == ErrSessionExpired
	case CodeBadToken:
		return target == ErrBadToken
	case CodeAlreadyClaimed:
		return target == ErrAlreadyClaimed
	case CodeServerFull:
		return target == ErrServerFull
	case CodeNotServing:
		return target == ErrNotServing
	case CodeCommandFailed:
		return target == ErrCommandFailed
	}
	return false
}

// CommandError is a command the server failed.
type CommandError struct {
	RequestID uint32
	Command   string
	// Text is the server's text: the error MESSAGEs before DONE(ERROR), or the ERROR frame's text.
	Text string
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("ferry: command %q (request %d) failed: %s", e.Command, e.RequestID, e.Text)
}

// Is matches ErrCommandFailed.
func (e *CommandError) Is(target error) bool { return target == ErrCommandFailed }

// sessionError wraps a sentinel with a message and an optional cause.
type sessionError struct {
	kind  error
	msg   string
	cause error
}

func (e *sessionError) Error() string {
	if e.cause != nil {
		return e.msg + ": " + e.cause.Error()
	}
	return e.msg
}

func (e *sessionError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.kind, e.cause}
	}
	return []error{e.kind}
}

func newErr(kind error, cause error, format string, args ...any) error {
	return &sessionError{kind: kind, msg: fmt.Sprintf(format, args...), cause: cause}
}
