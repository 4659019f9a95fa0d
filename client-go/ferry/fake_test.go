package ferry

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"ferry.dev/client-go/internal/wire"
)

// Scripted fake servers on 127.0.0.1: the test goroutine accepts each connection and reads and
// writes its frames itself, so every test states the exact exchange it expects.

const waitLimit = 5 * time.Second

type fakeServer struct {
	t     *testing.T
	ln    net.Listener
	addr  string
	conns chan net.Conn
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return startFake(t, ln)
}

func newTLSFakeServer(t *testing.T, cfg *tls.Config) *fakeServer {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return startFake(t, ln)
}

func startFake(t *testing.T, ln net.Listener) *fakeServer {
	fs := &fakeServer{t: t, ln: ln, addr: ln.Addr().String(), conns: make(chan net.Conn, 16)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fs.conns <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for {
			select {
			case c := <-fs.conns:
				c.Close()
			default:
				return
			}
		}
	})
	return fs
}

// accept waits for the client's next connection.
func (fs *fakeServer) accept() *fakeConn {
	fs.t.Helper()
	select {
	case c := <-fs.conns:
		fc := &fakeConn{t: fs.t, nc: c, rd: wire.NewReader(c, wire.DefaultMaxFrameLength)}
		fs.t.Cleanup(func() { c.Close() })
		return fc
	case <-time.After(waitLimit):
		fs.t.Fatalf("no connection to %s within %v", fs.addr, waitLimit)
		return nil
	}
}

// noConnectionWithin asserts that the client does not connect within d.
func (fs *fakeServer) noConnectionWithin(d time.Duration) {
	fs.t.Helper()
	select {
	case c := <-fs.conns:
		c.Close()
		fs.t.Fatalf("unexpected connection to %s", fs.addr)
	case <-time.After(d):
	}
}

type fakeConn struct {
	t  *testing.T
	nc net.Conn
	rd *wire.Reader
}

func (fc *fakeConn) read() (wire.Frame, error) {
	fc.nc.SetReadDeadline(time.Now().Add(waitLimit))
	return fc.rd.ReadFrame()
}

func (fc *fakeConn) expect() wire.Frame {
	fc.t.Helper()
	f, err := fc.read()
	if err != nil {
		fc.t.Fatalf("fake server: reading a frame: %v", err)
	}
	return f
}

func expectT[T wire.Frame](fc *fakeConn) T {
	fc.t.Helper()
	f := fc.expect()
	v, ok := f.(T)
	if !ok {
		var zero T
		fc.t.Fatalf("fake server: got %#v, want a %T", f, zero)
	}
	return v
}

// expectEOF asserts the client closes the connection next (nothing more is sent).
func (fc *fakeConn) expectEOF() {
	fc.t.Helper()
	f, err := fc.read()
	if err == nil {
		fc.t.Fatalf("fake server: got %#v, want the connection closed", f)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		fc.t.Fatalf("fake server: the client did not close the connection")
	}
}

func (fc *fakeConn) send(frames ...wire.Frame) {
	fc.t.Helper()
	var b []byte
	for _, f := range frames {
		var err error
		if b, err = wire.Append(b, f); err != nil {
			fc.t.Fatal(err)
		}
	}
	fc.sendRaw(b)
}

func (fc *fakeConn) sendRaw(b []byte) {
	fc.t.Helper()
	fc.nc.SetWriteDeadline(time.Now().Add(waitLimit))
	if _, err := fc.nc.Write(b); err != nil {
		fc.t.Fatalf("fake server: write: %v", err)
	}
}

func (fc *fakeConn) close() { fc.nc.Close() }

var (
	testSessionID = wire.SessionID{0xfe, 0x11, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	token1        = wire.Token{1}
	token2        = wire.Token{2}
	token3        = wire.Token{3}
)

func welcome(server string, tok wire.Token, resumed bool) *wire.Welcome {
	return &wire.Welcome{Version: 1, SessionID: testSessionID, ResumeToken: tok, ServerName: server, Resumed: resumed}
}

// dialFake opens a session on fs: HELLO → WELCOME(s1, token1).
func dialFake(t *testing.T, fs *fakeServer, opts ...Option) (*Session, *fakeConn) {
	t.Helper()
	type result struct {
		s   *Session
		err error
	}
	ch := make(chan result, 1)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	go func() {
		s, err := Dial(ctx, fs.addr, opts...)
		ch <- result{s, err}
	}()
	fc := fs.accept()
	h := expectT[*wire.Hello](fc)
	if h.Version != 1 {
		t.Fatalf("HELLO version %d", h.Version)
	}
	fc.send(welcome("s1", token1, false))
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { closeAndWait(t, r.s) })
	return r.s, fc
}

// closeAndWait closes s and checks that every goroutine it started has ended.
func closeAndWait(t *testing.T, s *Session) {
	t.Helper()
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(waitLimit):
		t.Fatalf("Close did not return within %v", waitLimit)
	}
	select {
	case <-s.Done():
	default:
		t.Fatalf("session goroutines still running after Close")
	}
}

type execResult struct {
	res *Result
	err error
}

func goExecute(s *Session, command string) chan execResult {
	ch := make(chan execResult, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*waitLimit)
		defer cancel()
		res, err := s.Execute(ctx, command)
		ch <- execResult{res, err}
	}()
	return ch
}

func waitExec(t *testing.T, ch chan execResult) execResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(2 * waitLimit):
		t.Fatal("Execute did not return")
		return execResult{}
	}
}

func waitDone(t *testing.T, s *Session) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(waitLimit):
		t.Fatal("session did not end")
	}
}

func rowStrings(rows []Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, string(r.Data))
	}
	return out
}

// unreachableAddr is a loopback address nothing listens on.
func unreachableAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := ln.Addr().String()
	ln.Close()
	return a
}

// migrationSeen returns a listener option and a channel of completed migrations.
func migrationSeen() (Option, chan MigrationEvent) {
	ch := make(chan MigrationEvent, 8)
	return WithMigrationListener(func(e MigrationEvent) { ch <- e }), ch
}

func waitMigration(t *testing.T, ch chan MigrationEvent) MigrationEvent {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(waitLimit):
		t.Fatal("no migration")
		return MigrationEvent{}
	}
}

// logWatch returns an option that captures the session's log and a function that waits until a
// line containing substr has been logged (the engine logs after each state change).
func logWatch(t *testing.T) (Option, func(substr string)) {
	lines := make(chan string, 256)
	opt := WithLogf(func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		t.Log(line)
		select {
		case lines <- line:
		default:
		}
	})
	return opt, func(substr string) {
		t.Helper()
		deadline := time.After(waitLimit)
		for {
			select {
			case l := <-lines:
				if strings.Contains(l, substr) {
					return
				}
			case <-deadline:
				t.Fatalf("no log line with %q", substr)
			}
		}
	}
}
