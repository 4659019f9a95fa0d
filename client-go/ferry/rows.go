package ferry

import (
	"context"
	"fmt"
	"sync"
)

// Row is one row of a result. Seq numbers a request's rows 0, 1, 2, … across migrations.
type Row struct {
	Seq  uint64
	Data []byte
}

// String returns the row's data as text.
func (r Row) String() string { return string(r.Data) }

// Severity of a server message.
type Severity uint8

const (
	SeverityInfo    Severity = 0
	SeverityWarning Severity = 1
	SeverityError   Severity = 2
)

func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", uint8(s))
}

// Message is a MESSAGE the server sent for a request.
type Message struct {
	Severity Severity
	Text     string
}

// Result is a completed command.
type Result struct {
	Rows     []Row
	Messages []Message
	// RowCount is the final DONE's rowCount: every row of the request, on every server.
	RowCount uint64
	// Server is the name of the server the session was on when the command ended.
	Server string
}

// Backpressure: a read-ahead session stops reading when this many rows wait unread, and reads
// again when the reader has taken them down to rowsLowWater.
const (
	rowsHighWater = 4096
	rowsLowWater  = 1024
)

// stream carries a request's rows and outcome from the session's engine to its user.
type stream struct {
	mu       sync.Mutex
	rows     []Row
	head     int
	messages []Message
	ended    bool
	err      error
	rowCount uint64
	server   string
	paused   bool
	discard  bool // the user has stopped reading: rows are dropped, reading never pauses
	signal   chan struct{}
}

func newStream() *stream { return &stream{signal: make(chan struct{}, 1)} }

func (st *stream) notify() {
	select {
	case st.signal <- struct{}{}:
	default:
	}
}

// Engine side.

func (st *stream) addRow(r Row) (full bool) {
	st.mu.Lock()
	if st.discard {
		st.mu.Unlock()
		return false
	}
	st.rows = append(st.rows, r)
	n := len(st.rows) - st.head
	full = n >= rowsHighWater
	if full {
		st.paused = true
	}
	st.mu.Unlock()
	st.notify()
	return full
}

func (st *stream) isFull() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	full := !st.discard && len(st.rows)-st.head >= rowsHighWater
	if full {
		st.paused = true
	}
	return full
}

func (st *stream) addMessage(m Message) {
	st.mu.Lock()
	st.messages = append(st.messages, m)
	st.mu.Unlock()
}

func (st *stream) errorTexts() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	text := ""
	for _, m := range st.messages {
		if m.Severity == SeverityError {
			if text != "" {
				text += "; "
			}
			text += m.Text
		}
	}
	if text == "" {
		text = "the server reported an error without a message"
	}
	return text
}

func (st *stream) finish(rowCount uint64, server string, err error) {
	st.mu.Lock()
	if !st.ended {
		st.ended = true
		st.err = err
		st.rowCount = rowCount
		st.server = server
	}
	st.mu.Unlock()
	st.notify()
}

// Rows is the streaming result of Session.Query, read like database/sql's Rows:
//
//	rows, err := s.Query(ctx, "SELECT …")
//	if err != nil { … }
//	defer rows.Close()
//	for rows.Next() { use(rows.Row()) }
//	if err := rows.Err(); err != nil { … }
//
// The session runs one request at a time: the next Execute or Query waits until this request
// has ended (read to the end, or cancelled and answered by the server).
type Rows struct {
	s     *Session
	req   *request
	st    *stream
	ctx   context.Context
	stop  func() bool
	row   Row
	err   error
	ended bool
}

// Next waits for the next row and reports whether there is one. It returns false at the end of
// the result, on failure (see Err), or when the query's context ends (then the request is
// cancelled and Err matches ErrCancelled and the context's error).
func (r *Rows) Next() bool {
	if r.ended {
		return false
	}
	st := r.st
	for {
		st.mu.Lock()
		if st.head < len(st.rows) {
			r.row = st.rows[st.head]
			st.rows[st.head] = Row{}
			st.head++
			if st.head == len(st.rows) {
				st.rows = st.rows[:0]
				st.head = 0
			}
			wake := st.paused && len(st.rows)-st.head <= rowsLowWater
			if wake {
				st.paused = false
			}
			st.mu.Unlock()
			if wake {
				r.s.post(wakeEvent{})
			}
			return true
		}
		if st.ended {
			r.err = st.err
			st.mu.Unlock()
			r.end()
			return false
		}
		st.mu.Unlock()
		select {
		case <-st.signal:
		case <-r.ctx.Done():
			r.s.cancel(r.req)
			r.err = fmt.Errorf("%w: %w", ErrCancelled, r.ctx.Err())
			r.end()
			return false
		}
	}
}

func (r *Rows) end() {
	r.ended = true
	r.row = Row{}
	r.st.mu.Lock()
	if !r.st.ended {
		// Abandoned before its end: whatever still comes for it is dropped.
		r.st.discard = true
		r.st.rows, r.st.head = nil, 0
	}
	wake := r.st.paused
	r.st.paused = false
	r.st.mu.Unlock()
	if wake {
		r.s.post(wakeEvent{})
	}
	if r.stop != nil {
		r.stop()
	}
}

// Row returns the row Next moved to.
func (r *Rows) Row() Row { return r.row }

// Err returns why the rows ended early, or nil after a complete result.
func (r *Rows) Err() error { return r.err }

// Messages returns the MESSAGEs the server sent for the request so far.
func (r *Rows) Messages() []Message {
	r.st.mu.Lock()
	defer r.st.mu.Unlock()
	return append([]Message(nil), r.st.messages...)
}

// RowCount returns the final DONE's rowCount once Next has returned false after a complete
// result, else 0.
func (r *Rows) RowCount() uint64 {
	r.st.mu.Lock()
	defer r.st.mu.Unlock()
	return r.st.rowCount
}

// RequestID is the request's id on the wire.
func (r *Rows) RequestID() uint32 { return r.req.id }

// Cancel asks the server to cancel the request (ATTENTION; through the RESUME if a migration is
// carrying it), or ends it at once if no server owns it. Next goes on reporting what happens:
// the rows sent before the cancel took effect, then ErrCancelled, or the normal end if the
// request had finished already. It returns once the session has acted on the cancel (the
// ATTENTION is written, or the request has ended).
func (r *Rows) Cancel() { r.s.cancelSync(r.req) }

// Close cancels the request if it has not ended and releases the Rows. It does not wait for
// the server's answer; the session's next request does.
func (r *Rows) Close() error {
	if !r.ended {
		r.st.mu.Lock()
		done := r.st.ended
		r.st.mu.Unlock()
		if !done {
			r.s.cancel(r.req)
		}
		r.end()
	}
	return nil
}
