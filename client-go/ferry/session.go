// Package ferry is the Go client of Ferry: it opens a session on a Ferry server, runs commands
// on it, and follows the session transparently when the server migrates it to another server
// (docs/protocol.md).
//
// A Session runs one request at a time. Execute and Query may be called from several
// goroutines; they are served one after another, in the order they get the session: a call
// waits until the previous request has ended. (The protocol allows pipelining; this client does
// not use it, so the protocol's "Pipelining across a migration" rules reduce to the one
// outstanding request.)
//
// Every connection of a session is read by its own goroutine and the protocol state lives in
// one engine goroutine per session; all of them end when the session ends (Close, or the
// server ending it).
package ferry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
	"unicode/utf8"

	"ferry.dev/client-go/internal/wire"
)

// Session is one Ferry session. Its methods are safe for concurrent use.
type Session struct {
	opts    Options
	address string

	events chan any
	stop   chan struct{} // closed when the engine starts to end
	done   chan struct{} // closed when the engine and every goroutine of the session ended
	sem    chan struct{} // one outstanding request
	wg     sync.WaitGroup

	dialCtx    context.Context
	dialCancel context.CancelFunc

	mu         sync.Mutex
	id         wire.SessionID
	serverName string
	serverAddr string
	migrations int
	lastPause  time.Duration
	err        error

	// Engine-owned from here on.
	eng engine
}

type phase int

const (
	phaseOpen phase = iota
	phaseMoving
	phaseAwaitingCancel
	phaseEnded
)

type engine struct {
	phase       phase
	cur         *conn
	token       wire.Token
	req         *request
	mv          *move
	nextID      uint32
	lastGoodbye *wire.Goodbye
	lastError   *wire.Error
	lastCause   error
	timer       *time.Timer
	timerGen    int
	dialGen     int
	ending      bool
	old         []*conn
}

// request is the one outstanding request.
type request struct {
	id      uint32
	command string
	st      *stream

	// Engine-owned.
	conn              *conn // the connection the COMMAND was written to (nil: not written)
	deferred          bool
	inBatch           bool
	cancelRequested   bool
	attentionSent     bool
	attentionInResume bool
	nextSeq           uint64
	ended             bool
}

type move struct {
	migrationID       uint32
	inBatch           uint32
	paths             []string
	nextPath          int
	retryAddr         string // asked again after CLAIM_PENDING before the next path
	pass              int
	start             time.Time
	attempt           *conn
	attemptAddr       string
	dialing           bool
	cancelDial        context.CancelFunc
	resumeSent        bool
	claimPendingSince time.Time
	claimRetries      int
	claimedElsewhere  bool
	cancelledBySource bool
	exhausted         bool
	tried             []string
	fromServer        string
	fromAddr          string
}

// Events the engine handles.
type (
	submitEvent struct {
		req   *request
		reply chan error
	}
	cancelEvent struct {
		req  *request
		done chan struct{} // closed once handled (the ATTENTION is written), or nil
	}
	closeEvent struct{}
	wakeEvent  struct{}
	timerEvent struct {
		gen  int
		kind int
	}
	dialEvent struct {
		gen  int
		c    *conn
		err  error
		addr string
	}
)

const (
	timerResumeAnswer = iota
	timerNextPath
)

// Dial opens a session on the server at address (host:port): it connects, sends HELLO and
// waits for WELCOME. The address is also the session's service address, the last resume path
// of every migration.
func Dial(ctx context.Context, address string, opts ...Option) (*Session, error) {
	o := buildOptions(opts)
	c, err := dialConn(ctx, address, &o)
	if err != nil {
		return nil, newErr(ErrConnectionFailed, err, "ferry: connect to %s", address)
	}
	if err := c.write(&wire.Hello{Version: wire.Version, ClientName: o.ClientName}, o.ConnectTimeout); err != nil {
		c.close()
		return nil, newErr(ErrConnectionFailed, err, "ferry: send HELLO to %s", address)
	}
	f, err := c.readOne(ctx, o.ConnectTimeout)
	if err != nil {
		c.close()
		if isDecodeError(err) {
			return nil, newErr(ErrProtocol, err, "ferry: %s broke the protocol before WELCOME", address)
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, newErr(ErrConnectionFailed, err, "ferry: no WELCOME from %s", address)
		}
		return nil, newErr(ErrConnectionFailed, err, "ferry: no WELCOME from %s", address)
	}
	var w *wire.Welcome
	switch f := f.(type) {
	case *wire.Welcome:
		if f.Resumed {
			c.close()
			return nil, newErr(ErrProtocol, nil, "ferry: %s answered HELLO with WELCOME(resumed=true)", address)
		}
		w = f
	case *wire.Error:
		c.close()
		return nil, &ServerError{Code: ErrorCode(f.Code), RequestID: f.RequestID, Text: f.Text, Address: address}
	default:
		c.close()
		return nil, newErr(ErrProtocol, nil, "ferry: %s answered HELLO with %s", address, wire.TypeName(f.Type()))
	}
	s := &Session{
		opts:       o,
		address:    address,
		events:     make(chan any),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		sem:        make(chan struct{}, 1),
		id:         w.SessionID,
		serverName: w.ServerName,
		serverAddr: address,
	}
	s.dialCtx, s.dialCancel = context.WithCancel(context.Background())
	s.eng.cur = c
	s.eng.token = w.ResumeToken
	go s.run()
	return s, nil
}

// logging reports whether a logger is set: on a migration's path, the arguments of a log line that
// goes nowhere are not boxed at all.
func (s *Session) logging() bool { return s.opts.Logf != nil }

func (s *Session) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf("session %s: "+format, append([]any{s.id.String()}, args...)...)
	}
}

// Options returns a copy of the session's options, defaults filled in.
func (s *Session) Options() Options {
	o := s.opts
	if o.TLS != nil {
		o.TLS = o.TLS.Clone()
	}
	return o
}

// ID returns the session id as 32 hex digits.
func (s *Session) ID() string { return s.id.String() }

// Server returns the name of the server the session is on (its last WELCOME's serverName).
func (s *Session) Server() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serverName
}

// Address returns the address of the server the session is on.
func (s *Session) Address() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serverAddr
}

// Migrations returns how many migrations the session has completed.
func (s *Session) Migrations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.migrations
}

// LastMigrationPause returns the pause of the last completed migration: from reading MIGRATE to
// reading WELCOME on the target. 0 before the first.
func (s *Session) LastMigrationPause() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastPause
}

// Done is closed when the session has ended and every goroutine it started has returned.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err returns why the session ended (ErrClosed after Close), or nil while it is open. It is set
// the moment the session ends, before a request failed by that end returns; Done may close later.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Open reports whether the session is still open.
func (s *Session) Open() bool { return s.Err() == nil }

func (s *Session) endedErr() error {
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// post hands an event to the engine; false if the session has ended.
func (s *Session) post(ev any) bool {
	select {
	case s.events <- ev:
		return true
	case <-s.stop:
		return false
	}
}

// Execute runs command and returns its complete result. When ctx ends first, the request is
// cancelled (ATTENTION) and the error matches ErrCancelled and ctx's error; the session's next
// request waits until the server has answered the cancel.
func (s *Session) Execute(ctx context.Context, command string) (*Result, error) {
	rows, err := s.Query(ctx, command)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	res := &Result{}
	for rows.Next() {
		res.Rows = append(res.Rows, rows.Row())
	}
	res.Messages = rows.Messages()
	if err := rows.Err(); err != nil {
		return res, err
	}
	rows.st.mu.Lock()
	res.RowCount = rows.st.rowCount
	res.Server = rows.st.server
	rows.st.mu.Unlock()
	return res, nil
}

// Query sends command and returns its rows as they come. It returns once the command is handed
// to the session (after the previous request ended). ctx governs the whole request: when it
// ends, the request is cancelled.
func (s *Session) Query(ctx context.Context, command string) (*Rows, error) {
	if !utf8.ValidString(command) {
		return nil, errors.New("ferry: the command is not valid UTF-8")
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting for the session: %w", ErrCancelled, ctx.Err())
	case <-s.stop:
		return nil, s.endedErr()
	}
	req := &request{command: command, st: newStream()}
	reply := make(chan error, 1)
	if !s.post(submitEvent{req: req, reply: reply}) {
		<-s.sem
		return nil, s.endedErr()
	}
	if err := <-reply; err != nil {
		<-s.sem
		return nil, err
	}
	r := &Rows{s: s, req: req, st: req.st, ctx: ctx}
	r.stop = context.AfterFunc(ctx, func() { s.cancel(req) })
	return r, nil
}

func (s *Session) cancel(req *request) { s.post(cancelEvent{req: req}) }

// cancelSync is cancel that returns once the session has acted on it: the ATTENTION is written,
// or the request has ended.
func (s *Session) cancelSync(req *request) {
	done := make(chan struct{})
	if s.post(cancelEvent{req: req, done: done}) {
		select {
		case <-done:
		case <-s.stop:
		}
	}
}

// Close ends the session: it sends GOODBYE(CLOSE) (the server deletes the session's context),
// closes the connection, ends an outstanding request with ErrClosed, and returns once every
// goroutine of the session has ended. Closing an ended session does nothing.
func (s *Session) Close() error {
	s.post(closeEvent{})
	<-s.done
	return nil
}

// ---- the engine ----

func (s *Session) run() {
	e := &s.eng
	s.startReader(e.cur)
	s.updateReading(e.cur)
	for !e.ending {
		ev := <-s.events
		switch ev := ev.(type) {
		case connEvent:
			s.onConnEvent(ev)
		case submitEvent:
			s.onSubmit(ev)
		case cancelEvent:
			s.onCancel(ev.req)
			if ev.done != nil {
				close(ev.done)
			}
		case closeEvent:
			s.onClose()
		case wakeEvent:
			if e.cur != nil {
				s.updateReading(e.cur)
			}
		case timerEvent:
			if ev.gen == e.timerGen {
				e.timer = nil
				s.onTimer(ev.kind)
			}
		case dialEvent:
			s.onDial(ev)
		}
	}
	close(s.stop)
	s.dialCancel()
	s.stopTimer()
	if e.cur != nil {
		e.cur.close()
	}
	for _, c := range e.old {
		c.close()
	}
	if e.mv != nil && e.mv.attempt != nil {
		e.mv.attempt.close()
	}
	s.wg.Wait()
	close(s.done)
}

// end ends the session with err (already recorded for the user): fails the request, closes.
func (s *Session) end(err error) {
	e := &s.eng
	if e.ending {
		return
	}
	e.ending = true
	e.phase = phaseEnded
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	err = s.err
	s.mu.Unlock()
	if !errors.Is(err, ErrClosed) {
		s.logf("ended: %v", err)
	}
	if e.req != nil {
		s.finish(e.req, err)
	}
}

// startReader starts the reader goroutine of the session's first connection; a target's connection
// is read by the goroutine that dialed it (tryNextPath).
func (s *Session) startReader(c *conn) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.readFrames(c)
	}()
}

// readFrames is the body of c's reader goroutine: one frame per permit, until c ends.
func (s *Session) readFrames(c *conn) {
	defer c.rd.Release()
	for {
		select {
		case <-c.permit:
		case <-c.closed:
			return
		case <-s.stop:
			return
		}
		f, err := c.rd.ReadFrame()
		if err != nil {
			s.post(connEvent{c: c, err: err})
			return
		}
		if !s.post(connEvent{c: c, f: f}) {
			return
		}
	}
}

// updateReading hands c's reader a permit when the session wants its next frame.
func (s *Session) updateReading(c *conn) {
	e := &s.eng
	if c.permitted || c.dead || c.isClosed() {
		return
	}
	want := true
	if c == e.cur {
		switch {
		case e.req != nil && e.req.st.isFull():
			want = false
		case s.opts.ReadAhead:
		default:
			want = e.req != nil || e.phase != phaseOpen
		}
	}
	if want {
		c.permitted = true
		c.permit <- struct{}{}
	}
}

func (s *Session) write(c *conn, f wire.Frame) bool {
	if c == nil || c.isClosed() {
		return false
	}
	if err := c.write(f, s.opts.ConnectTimeout); err != nil {
		s.logf("write %s to %s: %v", wire.TypeName(f.Type()), c.addr, err)
		if c == s.eng.cur {
			s.eng.lastCause = err
		}
		// The reader sees the connection end and reports it.
		c.nc.Close()
		return false
	}
	return true
}

func (s *Session) onSubmit(ev submitEvent) {
	e := &s.eng
	if e.ending {
		ev.reply <- s.err
		return
	}
	e.nextID++
	if e.nextID == 0 {
		e.nextID = 1
	}
	req := ev.req
	req.id = e.nextID
	e.req = req
	ev.reply <- nil
	if e.phase == phaseOpen {
		s.sendCommand(req)
	}
	s.updateReading(e.cur)
}

func (s *Session) sendCommand(req *request) {
	e := &s.eng
	req.conn = e.cur
	req.deferred = false
	s.write(e.cur, &wire.Command{RequestID: req.id, Command: req.command})
}

// finish ends the request with err (nil: success).
func (s *Session) finish(req *request, err error) {
	e := &s.eng
	if req.ended {
		return
	}
	req.ended = true
	s.mu.Lock()
	server := s.serverName
	s.mu.Unlock()
	req.st.finish(req.st.rowCount, server, err)
	if e.req == req {
		e.req = nil
		<-s.sem
	}
}

func (s *Session) finishOK(req *request, rowCount uint64) {
	req.st.mu.Lock()
	req.st.rowCount = rowCount
	req.st.mu.Unlock()
	s.finish(req, nil)
}

func (s *Session) cancelledLocally(req *request) {
	s.finish(req, fmt.Errorf("%w: request %d (%q) ended by the client: no server owned it", ErrCancelled, req.id, req.command))
}

func (s *Session) onCancel(req *request) {
	e := &s.eng
	if req.ended || e.req != req {
		return
	}
	req.cancelRequested = true
	switch {
	case req.conn == nil || req.deferred:
		s.cancelledLocally(req)
		s.updateReading(e.cur)
	case req.inBatch && e.phase != phaseOpen:
		// Carried by the migration: the RESUME names it, or the target gets ATTENTION after it.
	case !req.attentionSent && !req.conn.isClosed():
		req.attentionSent = true
		s.write(req.conn, &wire.Attention{RequestID: req.id})
	}
}

func (s *Session) onClose() {
	e := &s.eng
	if e.ending {
		return
	}
	s.mu.Lock()
	s.err = ErrClosed
	s.mu.Unlock()
	if e.cur != nil && !e.cur.dead && !e.cur.isClosed() {
		s.write(e.cur, &wire.Goodbye{Reason: wire.GoodbyeClose})
	}
	if e.req != nil {
		s.finish(e.req, fmt.Errorf("%w while request %d (%q) was outstanding", ErrClosed, e.req.id, e.req.command))
	}
	s.end(ErrClosed)
}

// ---- frames ----

func (s *Session) onConnEvent(ev connEvent) {
	e := &s.eng
	c := ev.c
	c.permitted = false
	if ev.f == nil {
		c.dead = true
	}
	if e.mv != nil && c == e.mv.attempt {
		s.onAttemptEvent(ev)
		return
	}
	if c != e.cur {
		if ev.f == nil {
			c.close()
		} else {
			s.updateReading(c) // a source being left: read it to its end
		}
		return
	}
	if ev.f == nil {
		s.onCurClosed(ev.err)
		return
	}
	s.onFrame(ev.f)
	if !e.ending && e.cur == c {
		s.updateReading(c)
	}
}

func (s *Session) outstanding(id uint32, what string) *request {
	r := s.eng.req
	if r == nil || r.id != id || r.ended {
		s.logf("%s for request %d, which is not outstanding; ignored", what, id)
		return nil
	}
	return r
}

func (s *Session) onFrame(f wire.Frame) {
	e := &s.eng
	switch f := f.(type) {
	case *wire.Row:
		r := s.outstanding(f.RequestID, "ROW")
		if r == nil {
			return
		}
		if f.Seq < r.nextSeq {
			s.logf("duplicate row seq %d of request %d (next %d); dropped", f.Seq, r.id, r.nextSeq)
			return
		}
		if f.Seq > r.nextSeq {
			s.logf("rows %d..%d of request %d are missing", r.nextSeq, f.Seq-1, r.id)
		}
		r.nextSeq = f.Seq + 1
		r.st.addRow(Row{Seq: f.Seq, Data: f.Data})
	case *wire.Message:
		if r := s.outstanding(f.RequestID, "MESSAGE"); r != nil {
			r.st.addMessage(Message{Severity: Severity(f.Severity), Text: f.Text})
		}
	case *wire.Done:
		r := s.outstanding(f.RequestID, "DONE")
		if r == nil || !f.Final() {
			return
		}
		switch {
		case f.IsAttention():
			s.finish(r, fmt.Errorf("%w: request %d (%q) cancelled by the server", ErrCancelled, r.id, r.command))
		case f.IsError():
			s.finish(r, &CommandError{RequestID: r.id, Command: r.command, Text: r.st.errorTexts()})
		default:
			s.finishOK(r, f.RowCount)
		}
	case *wire.Deferred:
		r := s.outstanding(f.RequestID, "DEFERRED")
		if r == nil {
			return
		}
		r.deferred = true
		if r.cancelRequested {
			s.cancelledLocally(r)
			return
		}
		if e.phase == phaseOpen {
			// Deferred with no migration under way (the source's deferral barrier after a
			// cancel): send it again; its re-send lifts the barrier.
			s.sendCommand(r)
		}
	case *wire.Error:
		if f.RequestID != 0 {
			r := s.outstanding(f.RequestID, "ERROR")
			if r == nil {
				return
			}
			if ErrorCode(f.Code) == CodeCommandFailed {
				s.finish(r, &CommandError{RequestID: r.id, Command: r.command, Text: f.Text})
			} else {
				s.finish(r, &ServerError{Code: ErrorCode(f.Code), RequestID: f.RequestID, Text: f.Text, Address: e.cur.addr})
			}
			return
		}
		e.lastError = f
		s.logf("%s reported %s: %s", e.cur.addr, ErrorCode(f.Code), f.Text)
	case *wire.Goodbye:
		e.lastGoodbye = f
		s.logf("GOODBYE(%d) from %s: %s", f.Reason, e.cur.addr, f.Text)
	case *wire.Migrate:
		s.onMigrate(f)
	case *wire.MigrateCancel:
		s.onMigrateCancel(f)
	default:
		s.protocolViolation(fmt.Sprintf("%s sent %s, which a server never sends", e.cur.addr, wire.TypeName(f.Type())))
	}
}

func (s *Session) protocolViolation(what string) {
	s.end(newErr(ErrProtocol, nil, "ferry: session %s: %s", s.id, what))
}

func (s *Session) onCurClosed(err error) {
	e := &s.eng
	if err != nil && err != io.EOF && e.lastCause == nil {
		e.lastCause = err
	}
	switch e.phase {
	case phaseMoving:
		s.logf("source %s closed during migration %d", e.cur.addr, e.mv.migrationID)
		return
	case phaseAwaitingCancel:
		mv := e.mv
		if mv.cancelledBySource {
			s.end(newErr(ErrSessionEnded, nil, "ferry: session %s: the source %s took the session back (MIGRATION_CANCELLED) and closed without MIGRATE_CANCEL", s.id, e.cur.addr))
			return
		}
		s.logf("source closed after every path failed; one more pass")
		e.phase = phaseMoving
		mv.exhausted = false
		mv.pass = s.opts.ResumeAttempts - 1
		mv.nextPath = 0
		mv.retryAddr = ""
		s.tryNextPath()
		s.updateReading(e.cur)
		return
	}
	var de *wire.DecodeError
	if errors.As(err, &de) {
		s.end(newErr(ErrProtocol, err, "ferry: session %s: %s broke the protocol", s.id, e.cur.addr))
		return
	}
	if errors.Is(err, wire.ErrTruncated) {
		// The stream ended inside a frame: the server went away mid-write, as the Java client
		// sees it too (a lost connection, not a malformed frame).
		e.lastCause = err
	}
	where := fmt.Sprintf("ferry: session %s: connection to %s closed", s.id, e.cur.addr)
	if e.lastError != nil {
		se := &ServerError{Code: ErrorCode(e.lastError.Code), Text: e.lastError.Text, Address: e.cur.addr}
		s.end(newErr(ErrConnectionLost, se, "%s after an ERROR", where))
		return
	}
	if g := e.lastGoodbye; g != nil {
		switch g.Reason {
		case wire.GoodbyeShutdown:
			s.end(newErr(ErrSessionEnded, nil, "%s: the server shut down with migration disabled (GOODBYE SHUTDOWN: %s)", where, g.Text))
			return
		case wire.GoodbyeIdleTimeout:
			s.end(newErr(ErrSessionEnded, nil, "%s: idle timeout (GOODBYE IDLE_TIMEOUT: %s)", where, g.Text))
			return
		case wire.GoodbyeMigrating:
			s.end(newErr(ErrSessionEnded, nil, "%s: GOODBYE(MIGRATING) with no MIGRATE before it (%s)", where, g.Text))
			return
		case wire.GoodbyeMoved:
			s.end(newErr(ErrSessionEnded, nil, "%s: the server says the session lives elsewhere (GOODBYE MOVED: %s)", where, g.Text))
			return
		case wire.GoodbyeClose:
			s.end(newErr(ErrSessionEnded, nil, "%s: the server closed the session (GOODBYE CLOSE: %s)", where, g.Text))
			return
		}
	}
	s.end(newErr(ErrConnectionLost, e.lastCause, "%s with no migration in progress", where))
}

// ---- migrations ----

func (s *Session) onMigrate(m *wire.Migrate) {
	e := &s.eng
	paths := append(append([]string(nil), m.Targets...), s.address)
	mv := e.mv
	if mv != nil {
		if mv.migrationID == m.MigrationID {
			return
		}
		s.logf("migration %d replaces migration %d", m.MigrationID, mv.migrationID)
		mv.migrationID = m.MigrationID
		mv.inBatch = m.InBatchRequestID
		mv.paths = paths
		mv.nextPath = 0
		mv.retryAddr = ""
		mv.pass = 0
		mv.exhausted = false
		mv.cancelledBySource = false
		mv.claimPendingSince = time.Time{}
		mv.claimRetries = 0
	} else {
		s.mu.Lock()
		from := s.serverName
		s.mu.Unlock()
		mv = &move{migrationID: m.MigrationID, inBatch: m.InBatchRequestID, paths: paths, start: time.Now(),
			fromServer: from, fromAddr: e.cur.addr}
		e.mv = mv
	}
	e.phase = phaseMoving
	if r := e.req; r != nil {
		r.inBatch = m.InBatchRequestID != 0 && r.id == m.InBatchRequestID && r.conn == e.cur && !r.deferred
	}
	if s.logging() {
		s.logf("MIGRATE %d from %s to %v (in-batch %d, deadline %d ms)", m.MigrationID, e.cur.addr, m.Targets, m.InBatchRequestID, m.DeadlineMillis)
	}
	if mv.attempt != nil || mv.dialing {
		return // its answer decides; the new targets come after it if it fails
	}
	s.stopTimer()
	s.tryNextPath()
}

func (s *Session) onMigrateCancel(c *wire.MigrateCancel) {
	e := &s.eng
	mv := e.mv
	if mv == nil || mv.migrationID != c.MigrationID {
		s.logf("MIGRATE_CANCEL %d for no migration in progress; ignored", c.MigrationID)
		return
	}
	s.dropMove()
	e.phase = phaseOpen
	s.logf("migration %d cancelled; staying on %s", c.MigrationID, e.cur.addr)
	r := e.req
	if r == nil {
		return
	}
	switch {
	case r.inBatch:
		// The source continues it itself; a cancel asked for meanwhile goes to it as ATTENTION.
		r.inBatch = false
		if r.cancelRequested && !r.attentionSent {
			r.attentionSent = true
			s.write(e.cur, &wire.Attention{RequestID: r.id})
		}
	case r.conn == nil || r.deferred:
		if r.cancelRequested {
			s.cancelledLocally(r)
			return
		}
		s.sendCommand(r)
	default:
		// Written to the source with no answer yet: it may have run (after the cancel) or its
		// DEFERRED is on the way; wait for the answer.
	}
}

// dropMove forgets the move in progress and its attempt.
func (s *Session) dropMove() {
	e := &s.eng
	mv := e.mv
	if mv == nil {
		return
	}
	s.stopTimer()
	if mv.cancelDial != nil {
		mv.cancelDial()
	}
	if mv.attempt != nil {
		mv.attempt.close()
	}
	e.dialGen++
	e.mv = nil
}

func (s *Session) tryNextPath() {
	e := &s.eng
	mv := e.mv
	addr := mv.retryAddr
	mv.retryAddr = ""
	if addr == "" && mv.nextPath >= len(mv.paths) {
		mv.pass++
		if mv.pass < s.opts.ResumeAttempts {
			mv.nextPath = 0
			s.startTimer(s.opts.ResumeBackoff*time.Duration(mv.pass), timerNextPath)
		} else {
			s.allPathsFailed()
		}
		return
	}
	if addr == "" {
		addr = mv.paths[mv.nextPath]
		mv.nextPath++
	}
	mv.attemptAddr = addr
	mv.dialing = true
	mv.resumeSent = false
	e.dialGen++
	gen := e.dialGen
	// The dialer's timeout bounds the connect and the TLS handshake; this context only cancels.
	ctx, cancel := context.WithCancel(s.dialCtx)
	mv.cancelDial = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		c, err := dialConn(ctx, addr, &s.opts)
		cancel()
		if !s.post(dialEvent{gen: gen, c: c, err: err, addr: addr}) {
			if c != nil {
				c.close()
			}
			return
		}
		if c != nil {
			// This goroutine goes on as c's reader: a migration starts one goroutine, not two.
			s.readFrames(c)
		}
	}()
}

func (s *Session) onDial(ev dialEvent) {
	e := &s.eng
	mv := e.mv
	if mv == nil || ev.gen != e.dialGen || !mv.dialing {
		if ev.c != nil {
			ev.c.close()
		}
		return
	}
	mv.dialing = false
	mv.cancelDial = nil
	if ev.err != nil {
		s.failAttempt(fmt.Sprintf("%s: cannot connect (%v)", ev.addr, ev.err))
		return
	}
	mv.attempt = ev.c
	att := uint32(0)
	if r := e.req; r != nil && r.inBatch && r.cancelRequested {
		att = r.id
		r.attentionInResume = true
	}
	if err := ev.c.write(&wire.Resume{Version: wire.Version, SessionID: s.id, ResumeToken: e.token, AttentionRequestID: att}, s.opts.ConnectTimeout); err != nil {
		mv.attempt = nil
		ev.c.close()
		s.failAttempt(fmt.Sprintf("%s: cannot send RESUME (%v)", ev.addr, err))
		return
	}
	mv.resumeSent = true
	s.startTimer(s.opts.ConnectTimeout, timerResumeAnswer)
	s.updateReading(ev.c)
}

func (s *Session) onTimer(kind int) {
	e := &s.eng
	mv := e.mv
	if mv == nil {
		return
	}
	switch kind {
	case timerResumeAnswer:
		if a := mv.attempt; a != nil {
			mv.attempt = nil
			a.close()
			s.failAttempt(fmt.Sprintf("%s: no answer to RESUME within %v", mv.attemptAddr, s.opts.ConnectTimeout))
		}
	case timerNextPath:
		if mv.attempt == nil && !mv.dialing && e.phase == phaseMoving {
			s.tryNextPath()
		}
	}
}

func (s *Session) failAttempt(what string) {
	e := &s.eng
	mv := e.mv
	s.stopTimer()
	mv.tried = append(mv.tried, what)
	s.logf("resume attempt failed: %s", what)
	if e.phase == phaseMoving {
		s.tryNextPath()
	}
}

func (s *Session) onAttemptEvent(ev connEvent) {
	e := &s.eng
	mv := e.mv
	a := mv.attempt
	if ev.f == nil {
		mv.attempt = nil
		a.close()
		msg := "connection closed before WELCOME"
		if isDecodeError(ev.err) {
			msg = fmt.Sprintf("broke the protocol (%v)", ev.err)
		}
		s.failAttempt(fmt.Sprintf("%s: %s", mv.attemptAddr, msg))
		return
	}
	switch f := ev.f.(type) {
	case *wire.Welcome:
		if f.Resumed && f.SessionID == s.id {
			s.completeMove(f)
			return
		}
		mv.attempt = nil
		a.close()
		s.failAttempt(fmt.Sprintf("%s: answered RESUME with WELCOME(resumed=%v, session %s)", mv.attemptAddr, f.Resumed, f.SessionID))
	case *wire.Error:
		mv.attempt = nil
		a.close()
		s.onResumeError(f)
	case *wire.Goodbye:
		s.logf("GOODBYE(%d) from resume target %s: %s", f.Reason, mv.attemptAddr, f.Text)
		s.updateReading(a)
	default:
		mv.attempt = nil
		a.close()
		s.failAttempt(fmt.Sprintf("%s: answered RESUME with %s", mv.attemptAddr, wire.TypeName(f.Type())))
	}
}

func (s *Session) onResumeError(f *wire.Error) {
	e := &s.eng
	mv := e.mv
	where := mv.attemptAddr
	s.stopTimer()
	se := &ServerError{Code: ErrorCode(f.Code), Text: f.Text, Address: where}
	switch ErrorCode(f.Code) {
	case CodeSessionExpired:
		s.end(newErr(ErrSessionExpired, se, "ferry: session %s expired: its context is gone", s.id))
	case CodeBadToken:
		s.end(newErr(ErrBadToken, se, "ferry: session %s: %s refused the resume token", s.id, where))
	case CodeMigrationCancelled:
		mv.cancelledBySource = true
		if e.cur != nil && !e.cur.dead && !e.cur.isClosed() {
			e.phase = phaseAwaitingCancel
			s.logf("%s says MIGRATION_CANCELLED; staying on %s until MIGRATE_CANCEL", where, e.cur.addr)
		} else {
			s.end(newErr(ErrSessionEnded, se, "ferry: session %s: the source took the session back but its connection is closed", s.id))
		}
	case CodeClaimPending:
		now := time.Now()
		if mv.claimPendingSince.IsZero() {
			mv.claimPendingSince = now
		}
		mv.claimedElsewhere = true
		if now.Sub(mv.claimPendingSince) < s.opts.ClaimWait {
			mv.claimRetries++
			// The same address again, after a pause. (Not "the previous path": a MIGRATE that
			// arrived meanwhile has replaced the paths.)
			mv.retryAddr = where
			base := s.opts.ResumeBackoff
			if base < 50*time.Millisecond {
				base = 50 * time.Millisecond
			}
			shift := mv.claimRetries - 1
			if shift > 4 {
				shift = 4
			}
			delay := base << shift
			if delay > time.Second {
				delay = time.Second
			}
			s.logf("%s says CLAIM_PENDING (%s); asking again in %v", where, f.Text, delay)
			s.startTimer(delay, timerNextPath)
		} else {
			s.failAttempt(fmt.Sprintf("%s: CLAIM_PENDING for longer than the claim wait of %v (%s)", where, s.opts.ClaimWait, f.Text))
		}
	case CodeAlreadyClaimed:
		mv.claimedElsewhere = true
		s.failAttempt(fmt.Sprintf("%s: ALREADY_CLAIMED (%s)", where, f.Text))
	default:
		s.failAttempt(fmt.Sprintf("%s: %s (%s)", where, ErrorCode(f.Code), f.Text))
	}
}

func (s *Session) allPathsFailed() {
	e := &s.eng
	mv := e.mv
	tried := fmt.Sprint(mv.tried)
	if e.cur != nil && !e.cur.dead && !e.cur.isClosed() {
		mv.exhausted = true
		e.phase = phaseAwaitingCancel
		s.logf("migration %d: every resume path failed (%s); staying on %s until it cancels or closes", mv.migrationID, tried, e.cur.addr)
		return
	}
	if mv.claimedElsewhere {
		s.end(newErr(ErrAlreadyClaimed, nil, "ferry: session %s: another server claimed the session and the source is closed; tried %s", s.id, tried))
		return
	}
	s.end(newErr(ErrSessionEnded, nil, "ferry: session %s: migration %d failed: every resume path failed after %d pass(es): %s", s.id, mv.migrationID, s.opts.ResumeAttempts, tried))
}

func (s *Session) completeMove(w *wire.Welcome) {
	e := &s.eng
	mv := e.mv
	s.stopTimer()
	pause := time.Since(mv.start)
	src := e.cur
	if src != nil {
		if !src.dead && !src.isClosed() {
			s.write(src, &wire.Goodbye{Reason: wire.GoodbyeMoved, Text: "resumed on " + w.ServerName})
		}
		src.close()
	}
	target := mv.attempt
	e.cur = target
	e.token = w.ResumeToken
	e.mv = nil
	e.phase = phaseOpen
	e.lastGoodbye = nil
	e.lastError = nil
	e.lastCause = nil
	s.mu.Lock()
	s.serverName = w.ServerName
	s.serverAddr = mv.attemptAddr
	s.migrations++
	s.lastPause = pause
	s.mu.Unlock()
	if s.logging() {
		s.logf("migration %d %s -> %s (%s) in %v", mv.migrationID, mv.fromAddr, mv.attemptAddr, w.ServerName, pause)
	}
	if r := e.req; r != nil {
		if r.inBatch {
			// The target continues it; an attention the RESUME did not carry goes there now.
			r.inBatch = false
			r.conn = target
			r.deferred = false
			if r.cancelRequested && !r.attentionInResume {
				r.attentionSent = true
				s.write(target, &wire.Attention{RequestID: r.id})
			}
			r.attentionInResume = false
		} else if r.cancelRequested {
			// The source ran none of it (the claim proves it) and no server owns it.
			s.cancelledLocally(r)
		} else {
			// Deferred, written after MIGRATE, or submitted while moving: send it to the target.
			r.attentionSent = false
			s.sendCommand(r)
		}
	}
	if s.opts.OnMigration != nil {
		s.opts.OnMigration(MigrationEvent{SessionID: s.id.String(), MigrationID: mv.migrationID,
			FromServer: mv.fromServer, FromAddress: mv.fromAddr, ToServer: w.ServerName, ToAddress: mv.attemptAddr, Pause: pause})
	}
	if !e.ending {
		s.updateReading(target)
	}
}

// ---- timers ----

func (s *Session) startTimer(d time.Duration, kind int) {
	e := &s.eng
	s.stopTimer()
	e.timerGen++
	gen := e.timerGen
	s.wg.Add(1)
	e.timer = time.AfterFunc(d, func() {
		defer s.wg.Done()
		s.post(timerEvent{gen: gen, kind: kind})
	})
}

func (s *Session) stopTimer() {
	e := &s.eng
	if e.timer != nil {
		if e.timer.Stop() {
			s.wg.Done()
		}
		e.timer = nil
	}
	e.timerGen++
}
