// Package wire is the codec of Ferry's wire protocol, version 1 (docs/protocol.md,
// "Framing" and "Frames"). It encodes and decodes every frame type in both directions, so the
// client uses it and so do the test servers written against it.
//
// Decoding never panics on bad input: a frame whose length is 0 or above the cap, whose type is
// unknown, or whose payload does not parse to exactly length-1 bytes is an *Error. The length
// cap is checked before the payload is allocated.
package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"unicode/utf8"
)

// Version is the protocol version this package speaks.
const Version uint16 = 1

// DefaultMaxFrameLength is the default cap on a frame's length field (1 MiB).
const DefaultMaxFrameLength = 1 << 20

// Frame types.
const (
	TypeHello         byte = 0x01
	TypeWelcome       byte = 0x02
	TypeCommand       byte = 0x03
	TypeRow           byte = 0x04
	TypeMessage       byte = 0x05
	TypeDone          byte = 0x06
	TypeAttention     byte = 0x07
	TypeMigrate       byte = 0x08
	TypeMigrateCancel byte = 0x09
	TypeResume        byte = 0x0A
	TypeDeferred      byte = 0x0B
	TypeGoodbye       byte = 0x0C
	TypeError         byte = 0x0D
)

// DONE flags.
const (
	DoneFinal     byte = 0x01
	DoneError     byte = 0x02
	DoneAttention byte = 0x04
)

// GOODBYE reasons.
const (
	GoodbyeClose       byte = 0
	GoodbyeMoved       byte = 1
	GoodbyeMigrating   byte = 2
	GoodbyeShutdown    byte = 3
	GoodbyeIdleTimeout byte = 4
)

// ERROR codes.
const (
	CodeProtocolError      uint16 = 1
	CodeUnsupportedVersion uint16 = 2
	CodeFrameTooLarge      uint16 = 3
	CodeSessionExpired     uint16 = 10
	CodeBadToken           uint16 = 11
	CodeAlreadyClaimed     uint16 = 12
	CodeStoreUnavailable   uint16 = 13
	CodeServerFull         uint16 = 14
	CodeHandshakeTimeout   uint16 = 15
	CodeNotServing         uint16 = 16
	CodeMigrationCancelled uint16 = 17
	CodeClaimPending       uint16 = 18
	CodeCommandFailed      uint16 = 20
)

// KnownCode reports whether c is an ERROR code of protocol version 1.
func KnownCode(c uint16) bool {
	switch c {
	case CodeProtocolError, CodeUnsupportedVersion, CodeFrameTooLarge, CodeSessionExpired, CodeBadToken,
		CodeAlreadyClaimed, CodeStoreUnavailable, CodeServerFull, CodeHandshakeTimeout, CodeNotServing,
		CodeMigrationCancelled, CodeClaimPending, CodeCommandFailed:
		return true
	}
	return false
}

// MaxTargets is the largest number of targets a MIGRATE may carry.
const MaxTargets = 16

// SessionID is a session's 128-bit identifier.
type SessionID [16]byte

// String prints the id as 32 lowercase hex digits.
func (id SessionID) String() string { return fmt.Sprintf("%x", id[:]) }

// Token is a 256-bit resume token.
type Token [32]byte

// Frame is one decoded frame; its concrete type is one of the structs below.
type Frame interface {
	// Type is the frame's type byte.
	Type() byte
	appendPayload(b []byte) ([]byte, error)
}

type Hello struct {
	Version    uint16
	ClientName string
}

type Welcome struct {
	Version     uint16
	SessionID   SessionID
	ResumeToken Token
	ServerName  string
	Resumed     bool
}

type Command struct {
	RequestID uint32
	Command   string
}

type Row struct {
	RequestID uint32
	Seq       uint64
	Data      []byte
}

type Message struct {
	RequestID uint32
	Severity  byte
	Text      string
}

type Done struct {
	RequestID uint32
	Flags     byte
	RowCount  uint64
}

// Final reports whether the DONE ends its request.
func (d *Done) Final() bool { return d.Flags&DoneFinal != 0 }

// IsError reports whether the request failed.
func (d *Done) IsError() bool { return d.Flags&DoneError != 0 }

// IsAttention reports whether the request was cancelled.
func (d *Done) IsAttention() bool { return d.Flags&DoneAttention != 0 }

type Attention struct {
	RequestID uint32
}

type Migrate struct {
	MigrationID      uint32
	InBatchRequestID uint32
	DeadlineMillis   uint32
	Targets          []string
}

type MigrateCancel struct {
	MigrationID uint32
}

type Resume struct {
	Version            uint16
	SessionID          SessionID
	ResumeToken        Token
	AttentionRequestID uint32
}

type Deferred struct {
	RequestID uint32
}

type Goodbye struct {
	Reason byte
	Text   string
}

type Error struct {
	Code      uint16
	RequestID uint32
	Text      string
}

func (*Hello) Type() byte         { return TypeHello }
func (*Welcome) Type() byte       { return TypeWelcome }
func (*Command) Type() byte       { return TypeCommand }
func (*Row) Type() byte           { return TypeRow }
func (*Message) Type() byte       { return TypeMessage }
func (*Done) Type() byte          { return TypeDone }
func (*Attention) Type() byte     { return TypeAttention }
func (*Migrate) Type() byte       { return TypeMigrate }
func (*MigrateCancel) Type() byte { return TypeMigrateCancel }
func (*Resume) Type() byte        { return TypeResume }
func (*Deferred) Type() byte      { return TypeDeferred }
func (*Goodbye) Type() byte       { return TypeGoodbye }
func (*Error) Type() byte         { return TypeError }

// TypeName names a frame type for messages.
func TypeName(t byte) string {
	switch t {
	case TypeHello:
		return "HELLO"
	case TypeWelcome:
		return "WELCOME"
	case TypeCommand:
		return "COMMAND"
	case TypeRow:
		return "ROW"
	case TypeMessage:
		return "MESSAGE"
	case TypeDone:
		return "DONE"
	case TypeAttention:
		return "ATTENTION"
	case TypeMigrate:
		return "MIGRATE"
	case TypeMigrateCancel:
		return "MIGRATE_CANCEL"
	case TypeResume:
		return "RESUME"
	case TypeDeferred:
		return "DEFERRED"
	case TypeGoodbye:
		return "GOODBYE"
	case TypeError:
		return "ERROR"
	}
	return fmt.Sprintf("0x%02x", t)
}

// DecodeError is a frame that breaks the protocol. TooLarge tells FRAME_TOO_LARGE from
// PROTOCOL_ERROR.
type DecodeError struct {
	TooLarge bool
	Msg      string
}

func (e *DecodeError) Error() string { return e.Msg }

func decodeErr(format string, args ...any) error {
	return &DecodeError{Msg: fmt.Sprintf(format, args...)}
}

// ---- encoding ----

func appendStr16(b []byte, s string) ([]byte, error) {
	if len(s) > math.MaxUint16 {
		return nil, fmt.Errorf("str16 of %d bytes is too long", len(s))
	}
	if !utf8.ValidString(s) {
		return nil, errors.New("str16 is not valid UTF-8")
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...), nil
}

func appendText(b []byte, s string) ([]byte, error) {
	if uint64(len(s)) > math.MaxUint32 {
		return nil, fmt.Errorf("text of %d bytes is too long", len(s))
	}
	if !utf8.ValidString(s) {
		return nil, errors.New("text is not valid UTF-8")
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...), nil
}

func appendU64(b []byte, v uint64) ([]byte, error) {
	if v > math.MaxInt64 {
		return nil, fmt.Errorf("u64 value %d is above 2^63-1", v)
	}
	return binary.BigEndian.AppendUint64(b, v), nil
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

func (f *Hello) appendPayload(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint16(b, f.Version)
	return appendStr16(b, f.ClientName)
}

func (f *Welcome) appendPayload(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint16(b, f.Version)
	b = append(b, f.SessionID[:]...)
	b = append(b, f.ResumeToken[:]...)
	b, err := appendStr16(b, f.ServerName)
	if err != nil {
		return nil, err
	}
	return append(b, boolByte(f.Resumed)), nil
}

func (f *Command) appendPayload(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint32(b, f.RequestID)
	return appendText(b, f.Command)
}

func (f *Row) appendPayload(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint32(b, f.RequestID)
	b, err := appendU64(b, f.Seq)
	if err != nil {
		return nil, err
	}
	if uint64(len(f.Data)) > math.MaxUint32 {
		return nil, errors.New("row data too long")
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(f.Data)))
	return append(b, f.Data...), nil
}

func (f *Message) appendPayload(b []byte) ([]byte, error) {
	if f.Severity > 2 {
		return nil, fmt.Errorf("severity %d", f.Severity)
	}
	b = binary.BigEndian.AppendUint32(b, f.RequestID)
	b = append(b, f.Severity)
	return appendText(b, f.Text)
}

func (f *Done) appendPayload(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint32(b, f.RequestID)
	b = append(b, f.Flags)
	return appendU64(b, f.RowCount)
}

func (f *Attention) appendPayload(b []byte) ([]byte, error) {
	return binary.BigEndian.AppendUint32(b, f.RequestID), nil
}

func (f *Migrate) appendPayload(b []byte) ([]byte, error) {
	if len(f.Targets) < 1 || len(f.Targets) > MaxTargets {
		return nil, fmt.Errorf("MIGRATE with %d targets", len(f.Targets))
	}
	b = binary.BigEndian.AppendUint32(b, f.MigrationID)
	b = binary.BigEndian.AppendUint32(b, f.InBatchRequestID)
	b = binary.BigEndian.AppendUint32(b, f.DeadlineMillis)
	b = append(b, byte(len(f.Targets)))
	var err error
	for _, t := range f.Targets {
		if b, err = appendStr16(b, t); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (f *MigrateCancel) appendPayload(b []byte) ([]byte, error) {
	return binary.BigEndian.AppendUint32(b, f.MigrationID), nil
}

func (f *Resume) appendPayload(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint16(b, f.Version)
	b = append(b, f.SessionID[:]...)
	b = append(b, f.ResumeToken[:]...)
	return binary.BigEndian.AppendUint32(b, f.AttentionRequestID), nil
}

func (f *Deferred) appendPayload(b []byte) ([]byte, error) {
	return binary.BigEndian.AppendUint32(b, f.RequestID), nil
}

func (f *Goodbye) appendPayload(b []byte) ([]byte, error) {
	b = append(b, f.Reason)
	return appendStr16(b, f.Text)
}

func (f *Error) appendPayload(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint16(b, f.Code)
	b = binary.BigEndian.AppendUint32(b, f.RequestID)
	return appendText(b, f.Text)
}

// Append appends f's complete encoding (length, type, payload) to b.
func Append(b []byte, f Frame) ([]byte, error) {
	start := len(b)
	b = append(b, 0, 0, 0, 0, f.Type())
	b, err := f.appendPayload(b)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", TypeName(f.Type()), err)
	}
	n := len(b) - start - 4
	if uint64(n) > math.MaxUint32 {
		return nil, fmt.Errorf("encode %s: frame too long", TypeName(f.Type()))
	}
	binary.BigEndian.PutUint32(b[start:], uint32(n))
	return b, nil
}

// Encode returns f's complete encoding.
func Encode(f Frame) ([]byte, error) { return Append(nil, f) }

// ---- decoding ----

type parser struct {
	b   []byte
	err error
}

func (p *parser) take(n int, what string) []byte {
	if p.err != nil {
		return nil
	}
	if n < 0 || len(p.b) < n {
		p.err = decodeErr("payload ends inside %s", what)
		return nil
	}
	v := p.b[:n]
	p.b = p.b[n:]
	return v
}

func (p *parser) u8(what string) byte {
	v := p.take(1, what)
	if v == nil {
		return 0
	}
	return v[0]
}

func (p *parser) u16(what string) uint16 {
	v := p.take(2, what)
	if v == nil {
		return 0
	}
	return binary.BigEndian.Uint16(v)
}

func (p *parser) u32(what string) uint32 {
	v := p.take(4, what)
	if v == nil {
		return 0
	}
	return binary.BigEndian.Uint32(v)
}

func (p *parser) u64(what string) uint64 {
	v := p.take(8, what)
	if v == nil {
		return 0
	}
	x := binary.BigEndian.Uint64(v)
	if x > math.MaxInt64 && p.err == nil {
		p.err = decodeErr("%s %d is above 2^63-1", what, x)
	}
	return x
}

// requestID reads a u32 requestId, which is never 0 in the frames that name a request.
func (p *parser) requestID() uint32 {
	v := p.u32("requestId")
	if v == 0 && p.err == nil {
		p.err = decodeErr("requestId 0 is reserved")
	}
	return v
}

func (p *parser) boolean(what string) bool {
	v := p.u8(what)
	if v > 1 && p.err == nil {
		p.err = decodeErr("%s: bool byte %d is not 0 or 1", what, v)
	}
	return v == 1
}

func (p *parser) utf8(v []byte, what string) string {
	if p.err != nil {
		return ""
	}
	if !utf8.Valid(v) {
		p.err = decodeErr("%s is not valid UTF-8", what)
		return ""
	}
	return string(v)
}

func (p *parser) str16(what string) string {
	n := p.u16(what + " length")
	return p.utf8(p.take(int(n), what), what)
}

func (p *parser) text(what string) string {
	n := p.u32(what + " length")
	if p.err == nil && uint64(n) > uint64(len(p.b)) {
		p.err = decodeErr("payload ends inside %s", what)
		return ""
	}
	return p.utf8(p.take(int(n), what), what)
}

func (p *parser) bytes32(what string) []byte {
	n := p.u32(what + " length")
	if p.err == nil && uint64(n) > uint64(len(p.b)) {
		p.err = decodeErr("payload ends inside %s", what)
		return nil
	}
	v := p.take(int(n), what)
	if v == nil {
		return nil
	}
	return append([]byte{}, v...)
}

// DecodePayload decodes the payload of a frame of type t. The whole payload must be used.
func DecodePayload(t byte, payload []byte) (Frame, error) {
	p := &parser{b: payload}
	var f Frame
	switch t {
	case TypeHello:
		f = &Hello{Version: p.u16("version"), ClientName: p.str16("clientName")}
	case TypeWelcome:
		w := &Welcome{Version: p.u16("version")}
		copy(w.SessionID[:], p.take(16, "session-id"))
		copy(w.ResumeToken[:], p.take(32, "resumeToken"))
		w.ServerName = p.str16("serverName")
		w.Resumed = p.boolean("resumed")
		f = w
	case TypeCommand:
		f = &Command{RequestID: p.requestID(), Command: p.text("command")}
	case TypeRow:
		f = &Row{RequestID: p.requestID(), Seq: p.u64("seq"), Data: p.bytes32("data")}
	case TypeMessage:
		m := &Message{RequestID: p.requestID(), Severity: p.u8("severity")}
		if m.Severity > 2 && p.err == nil {
			p.err = decodeErr("MESSAGE severity %d", m.Severity)
		}
		m.Text = p.text("text")
		f = m
	case TypeDone:
		d := &Done{RequestID: p.requestID(), Flags: p.u8("flags"), RowCount: p.u64("rowCount")}
		if p.err == nil {
			if d.Flags&^(DoneFinal|DoneError|DoneAttention) != 0 {
				p.err = decodeErr("DONE flags 0x%02x have unknown bits", d.Flags)
			} else if d.Flags&DoneAttention != 0 && d.Flags&DoneFinal == 0 {
				p.err = decodeErr("DONE flags 0x%02x: ATTENTION without FINAL", d.Flags)
			}
		}
		f = d
	case TypeAttention:
		f = &Attention{RequestID: p.requestID()}
	case TypeMigrate:
		m := &Migrate{MigrationID: p.u32("migrationId"), InBatchRequestID: p.u32("inBatchRequestId"), DeadlineMillis: p.u32("deadlineMillis")}
		n := p.u8("target count")
		if p.err == nil && (n < 1 || n > MaxTargets) {
			p.err = decodeErr("MIGRATE with %d targets (1..%d)", n, MaxTargets)
		}
		for i := 0; i < int(n) && p.err == nil; i++ {
			m.Targets = append(m.Targets, p.str16("target"))
		}
		f = m
	case TypeMigrateCancel:
		f = &MigrateCancel{MigrationID: p.u32("migrationId")}
	case TypeResume:
		r := &Resume{Version: p.u16("version")}
		copy(r.SessionID[:], p.take(16, "session-id"))
		copy(r.ResumeToken[:], p.take(32, "resumeToken"))
		r.AttentionRequestID = p.u32("attentionRequestId")
		f = r
	case TypeDeferred:
		f = &Deferred{RequestID: p.requestID()}
	case TypeGoodbye:
		g := &Goodbye{Reason: p.u8("reason")}
		if g.Reason > GoodbyeIdleTimeout && p.err == nil {
			p.err = decodeErr("GOODBYE reason %d", g.Reason)
		}
		g.Text = p.str16("text")
		f = g
	case TypeError:
		e := &Error{Code: p.u16("code")}
		if p.err == nil && !KnownCode(e.Code) {
			p.err = decodeErr("unknown error code %d", e.Code)
		}
		e.RequestID = p.u32("requestId")
		e.Text = p.text("text")
		f = e
	default:
		return nil, decodeErr("unknown frame type 0x%02x", t)
	}
	if p.err != nil {
		return nil, fmt.Errorf("%s: %w", TypeName(t), p.err)
	}
	if len(p.b) != 0 {
		return nil, fmt.Errorf("%s: %w", TypeName(t), decodeErr("%d bytes left after the payload", len(p.b)))
	}
	return f, nil
}

// Decode decodes one complete frame from b (exactly one, nothing after it).
func Decode(b []byte, maxLen int) (Frame, error) {
	if len(b) < 4 {
		return nil, decodeErr("frame shorter than its length field")
	}
	n := binary.BigEndian.Uint32(b)
	if err := checkLength(n, maxLen); err != nil {
		return nil, err
	}
	if uint64(len(b)-4) != uint64(n) {
		return nil, decodeErr("frame length %d but %d bytes follow", n, len(b)-4)
	}
	return DecodePayload(b[4], b[5:])
}

func checkLength(n uint32, maxLen int) error {
	if n == 0 {
		return decodeErr("frame length 0")
	}
	if uint64(n) > uint64(maxLen) {
		return &DecodeError{TooLarge: true, Msg: fmt.Sprintf("frame length %d is above the cap of %d", n, maxLen)}
	}
	return nil
}

// Reader reads frames from a stream.
type Reader struct {
	r      *bufio.Reader
	maxLen int
	hdr    [4]byte
}

// NewReader reads frames of at most maxLen (length field) from r.
func NewReader(r io.Reader, maxLen int) *Reader {
	if maxLen <= 0 {
		maxLen = DefaultMaxFrameLength
	}
	br := readBuffers.Get().(*bufio.Reader)
	br.Reset(r)
	return &Reader{r: br, maxLen: maxLen}
}

// Release hands the Reader's buffer back for the next connection; ReadFrame returns ErrReleased
// after it. Call it from the goroutine that reads, once it is done with the stream.
func (r *Reader) Release() {
	if r.r == nil {
		return
	}
	r.r.Reset(nil)
	readBuffers.Put(r.r)
	r.r = nil
}

// readBufferSize is a Reader's buffer: enough for a batch of rows, small beside a session's other
// costs. A frame larger than the buffer is read straight into its own slice, so this costs no copies.
const readBufferSize = 4 << 10

// readBuffers keeps the buffers of ended connections: a drain opens thousands of connections in a
// burst and each would otherwise be fresh garbage, whose collection stalls the migrations in flight.
var readBuffers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }}

// ErrReleased is returned by ReadFrame after Release.
var ErrReleased = errors.New("frame reader released")

// ErrTruncated is returned (wrapped) when the stream ends inside a frame.
var ErrTruncated = errors.New("connection ended inside a frame")

// ReadFrame reads the next frame. At a clean end of stream between frames it returns io.EOF;
// an end inside a frame is ErrTruncated; a frame breaking the protocol is a *DecodeError.
func (r *Reader) ReadFrame() (Frame, error) {
	if r.r == nil {
		return nil, ErrReleased
	}
	if _, err := io.ReadFull(r.r, r.hdr[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("%w (in the length field)", ErrTruncated)
		}
		return nil, err
	}
	n := binary.BigEndian.Uint32(r.hdr[:])
	if err := checkLength(n, r.maxLen); err != nil {
		return nil, err
	}
	// Bounded by the cap checked above.
	body := make([]byte, n)
	if _, err := io.ReadFull(r.r, body); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("%w (%s frame of length %d)", ErrTruncated, TypeName(body[0]), n)
		}
		return nil, err
	}
	return DecodePayload(body[0], body[1:])
}
