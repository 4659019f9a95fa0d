package ferry

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"ferry.dev/client-go/internal/wire"
)

func TestHandshake(t *testing.T) {
	fs := newFakeServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	ch := make(chan *Session, 1)
	go func() {
		s, err := Dial(ctx, fs.addr, WithClientName("go-test"))
		if err != nil {
			t.Error(err)
		}
		ch <- s
	}()
	fc := fs.accept()
	h := expectT[*wire.Hello](fc)
	if h.Version != 1 || h.ClientName != "go-test" {
		t.Fatalf("HELLO %#v", h)
	}
	fc.send(welcome("s1", token1, false))
	s := <-ch
	if s == nil {
		t.FailNow()
	}
	if s.ID() != "fe1102030405060708090a0b0c0d0e0f" || s.Server() != "s1" || s.Migrations() != 0 {
		t.Fatalf("id %s server %s migrations %d", s.ID(), s.Server(), s.Migrations())
	}
	closeAndWait(t, s)
	g := expectT[*wire.Goodbye](fc)
	if g.Reason != wire.GoodbyeClose {
		t.Fatalf("GOODBYE reason %d, want CLOSE", g.Reason)
	}
	fc.expectEOF()
	if !errors.Is(s.Err(), ErrClosed) {
		t.Fatalf("Err after Close: %v", s.Err())
	}
	if _, err := s.Execute(ctx, "PING"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Execute after Close: %v", err)
	}
}

func TestDialRefused(t *testing.T) {
	cases := []struct {
		code ErrorCode
		want error
	}{
		{CodeNotServing, ErrNotServing},
		{CodeServerFull, ErrServerFull},
		{CodeUnsupportedVersion, ErrUnsupportedVersion},
	}
	for _, c := range cases {
		t.Run(c.code.String(), func(t *testing.T) {
			fs := newFakeServer(t)
			errc := make(chan error, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
				defer cancel()
				_, err := Dial(ctx, fs.addr)
				errc <- err
			}()
			fc := fs.accept()
			expectT[*wire.Hello](fc)
			fc.send(&wire.Error{Code: uint16(c.code), Text: "no"})
			fc.close()
			err := <-errc
			var se *ServerError
			if !errors.Is(err, c.want) || !errors.As(err, &se) || se.Code != c.code || se.Text != "no" {
				t.Fatalf("got %v", err)
			}
		})
	}
	t.Run("no listener", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		_, err := Dial(ctx, unreachableAddr(t))
		if !errors.Is(err, ErrConnectionFailed) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("resumed WELCOME to HELLO", func(t *testing.T) {
		fs := newFakeServer(t)
		errc := make(chan error, 1)
		go func() {
			_, err := Dial(context.Background(), fs.addr, WithConnectTimeout(waitLimit))
			errc <- err
		}()
		fc := fs.accept()
		expectT[*wire.Hello](fc)
		fc.send(welcome("s1", token1, true))
		if err := <-errc; !errors.Is(err, ErrProtocol) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestExecute(t *testing.T) {
	fs := newFakeServer(t)
	s, fc := dialFake(t, fs)
	ch := goExecute(s, "SELECT 2")
	c := expectT[*wire.Command](fc)
	if c.RequestID != 1 || c.Command != "SELECT 2" {
		t.Fatalf("COMMAND %#v", c)
	}
	fc.send(
		&wire.Row{RequestID: 1, Seq: 0, Data: []byte("a")},
		&wire.Message{RequestID: 1, Severity: 1, Text: "careful"},
		&wire.Done{RequestID: 1, Flags: 0, RowCount: 1},
		&wire.Row{RequestID: 1, Seq: 1, Data: []byte("b")},
		&wire.Done{RequestID: 1, Flags: wire.DoneFinal, RowCount: 2},
	)
	r := waitExec(t, ch)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if got := rowStrings(r.res.Rows); !reflect.DeepEqual(got, []string{"a", "b"}) || r.res.RowCount != 2 || r.res.Server != "s1" {
		t.Fatalf("result %#v", r.res)
	}
	if len(r.res.Messages) != 1 || r.res.Messages[0] != (Message{SeverityWarning, "careful"}) {
		t.Fatalf("messages %#v", r.res.Messages)
	}

	// A failed command: MESSAGE(error) then DONE(FINAL|ERROR).
	ch = goExecute(s, "BAD")
	c = expectT[*wire.Command](fc)
	if c.RequestID != 2 {
		t.Fatalf("request id %d, want 2", c.RequestID)
	}
	fc.send(&wire.Message{RequestID: 2, Severity: 2, Text: "no such thing"}, &wire.Done{RequestID: 2, Flags: wire.DoneFinal | wire.DoneError})
	r = waitExec(t, ch)
	var ce *CommandError
	if !errors.Is(r.err, ErrCommandFailed) || !errors.As(r.err, &ce) || ce.Text != "no such thing" {
		t.Fatalf("got %v", r.err)
	}

	// ERROR COMMAND_FAILED ends the request; a DONE for it afterwards is ignored.
	ch = goExecute(s, "WORSE")
	expectT[*wire.Command](fc)
	fc.send(&wire.Error{Code: wire.CodeCommandFailed, RequestID: 3, Text: "broken"}, &wire.Done{RequestID: 3, Flags: wire.DoneFinal})
	r = waitExec(t, ch)
	if !errors.As(r.err, &ce) || ce.Text != "broken" {
		t.Fatalf("got %v", r.err)
	}
	ch = goExecute(s, "PING")
	c = expectT[*wire.Command](fc)
	fc.send(&wire.Row{RequestID: 4, Data: []byte("PONG")}, &wire.Done{RequestID: 4, Flags: wire.DoneFinal, RowCount: 1})
	if r = waitExec(t, ch); r.err != nil || rowStrings(r.res.Rows)[0] != "PONG" {
		t.Fatalf("got %v %v", r.res, r.err)
	}
}

func TestQueryStreamsRows(t *testing.T) {
	fs := newFakeServer(t)
	s, fc := dialFake(t, fs)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	rows, err := s.Query(ctx, "STREAM")
	if err != nil {
		t.Fatal(err)
	}
	expectT[*wire.Command](fc)
	// Each row is read before the next is sent: the stream hands them over as they come.
	for i := 0; i < 5; i++ {
		fc.send(&wire.Row{RequestID: 1, Seq: uint64(i), Data: []byte{byte('0' + i)}})
		if !rows.Next() {
			t.Fatalf("row %d: %v", i, rows.Err())
		}
		if rows.Row().Seq != uint64(i) || rows.Row().String() != string(rune('0'+i)) {
			t.Fatalf("row %#v", rows.Row())
		}
	}
	fc.send(&wire.Done{RequestID: 1, Flags: wire.DoneFinal, RowCount: 5})
	if rows.Next() || rows.Err() != nil || rows.RowCount() != 5 {
		t.Fatalf("end: %v %d", rows.Err(), rows.RowCount())
	}
	rows.Close()
}

// More rows than the read-ahead buffer holds: the reader stops and starts again as the user reads.
func TestQueryBackpressure(t *testing.T) {
	fs := newFakeServer(t)
	s, fc := dialFake(t, fs)
	rows, err := s.Query(context.Background(), "BIG")
	if err != nil {
		t.Fatal(err)
	}
	expectT[*wire.Command](fc)
	const n = 3 * rowsHighWater
	go func() {
		var b []byte
		for i := 0; i < n; i++ {
			b, _ = wire.Append(b, &wire.Row{RequestID: 1, Seq: uint64(i), Data: []byte("x")})
		}
		b, _ = wire.Append(b, &wire.Done{RequestID: 1, Flags: wire.DoneFinal, RowCount: n})
		fc.nc.SetWriteDeadline(time.Now().Add(waitLimit))
		fc.nc.Write(b)
	}()
	got := 0
	for rows.Next() {
		if rows.Row().Seq != uint64(got) {
			t.Fatalf("seq %d at %d", rows.Row().Seq, got)
		}
		got++
	}
	if rows.Err() != nil || got != n {
		t.Fatalf("got %d rows, %v", got, rows.Err())
	}
}

func TestCallsSerialise(t *testing.T) {
	fs := newFakeServer(t)
	s, fc := dialFake(t, fs)
	a := goExecute(s, "A")
	c1 := expectT[*wire.Command](fc)
	b := goExecute(s, "B")
	// B waits for A's final DONE: the next frame the server reads is B's COMMAND, after A's DONE.
	fc.send(&wire.Done{RequestID: c1.RequestID, Flags: wire.DoneFinal})
	c2 := expectT[*wire.Command](fc)
	fc.send(&wire.Done{RequestID: c2.RequestID, Flags: wire.DoneFinal})
	if r := waitExec(t, a); r.err != nil {
		t.Fatal(r.err)
	}
	if r := waitExec(t, b); r.err != nil {
		t.Fatal(r.err)
	}
	if c1.RequestID != 1 || c2.RequestID != 2 || c1.Command == c2.Command {
		t.Fatalf("commands %#v %#v", c1, c2)
	}
}

func TestContextCancelSendsAttention(t *testing.T) {
	fs := newFakeServer(t)
	s, fc := dialFake(t, fs)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := s.Execute(ctx, "SLEEP")
		errc <- err
	}()
	expectT[*wire.Command](fc)
	cancel()
	a := expectT[*wire.Attention](fc)
	if a.RequestID != 1 {
		t.Fatalf("ATTENTION %d", a.RequestID)
	}
	err := <-errc
	if !errors.Is(err, ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	// The next request waits for the server's answer to the attention.
	next := goExecute(s, "PING")
	fc.send(&wire.Done{RequestID: 1, Flags: wire.DoneFinal | wire.DoneAttention})
	c := expectT[*wire.Command](fc)
	if c.RequestID != 2 {
		t.Fatalf("request %d", c.RequestID)
	}
	fc.send(&wire.Done{RequestID: 2, Flags: wire.DoneFinal})
	if r := waitExec(t, next); r.err != nil {
		t.Fatal(r.err)
	}
}

func TestRowsCancelReportsOutcome(t *testing.T) {
	fs := newFakeServer(t)
	s, fc := dialFake(t, fs)
	rows, err := s.Query(context.Background(), "STREAM")
	if err != nil {
		t.Fatal(err)
	}
	expectT[*wire.Command](fc)
	fc.send(&wire.Row{RequestID: 1, Seq: 0, Data: []byte("a")})
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	rows.Cancel()
	expectT[*wire.Attention](fc)
	fc.send(&wire.Row{RequestID: 1, Seq: 1, Data: []byte("b")}, &wire.Done{RequestID: 1, Flags: wire.DoneFinal | wire.DoneAttention, RowCount: 2})
	if !rows.Next() || rows.Row().String() != "b" {
		t.Fatalf("row before the attention DONE: %v", rows.Err())
	}
	if rows.Next() || !errors.Is(rows.Err(), ErrCancelled) {
		t.Fatalf("end: %v", rows.Err())
	}
}

func TestGoodbyeShutdownEndsSession(t *testing.T) {
	fs := newFakeServer(t)
	s, fc := dialFake(t, fs)
	ch := goExecute(s, "SLEEP")
	expectT[*wire.Command](fc)
	fc.send(&wire.Goodbye{Reason: wire.GoodbyeShutdown, Text: "bye"})
	fc.close()
	r := waitExec(t, ch)
	if !errors.Is(r.err, ErrSessionEnded) {
		t.Fatalf("got %v", r.err)
	}
	waitDone(t, s)
	if !errors.Is(s.Err(), ErrSessionEnded) {
		t.Fatalf("Err %v", s.Err())
	}
}

func TestConnectionLost(t *testing.T) {
	fs := newFakeServer(t)
	s, fc := dialFake(t, fs)
	fc.close()
	waitDone(t, s)
	if !errors.Is(s.Err(), ErrConnectionLost) {
		t.Fatalf("Err %v", s.Err())
	}
}

func TestMalformedFrameIsProtocolError(t *testing.T) {
	for _, readAhead := range []bool{true, false} {
		fs := newFakeServer(t)
		s, fc := dialFake(t, fs, WithReadAhead(readAhead))
		ch := goExecute(s, "X")
		expectT[*wire.Command](fc)
		fc.sendRaw([]byte{0, 0, 0, 2, 0x7f, 0}) // unknown type
		r := waitExec(t, ch)
		if !errors.Is(r.err, ErrProtocol) {
			t.Fatalf("got %v", r.err)
		}
		fc.expectEOF()
		waitDone(t, s)
	}
}

func TestFrameTooLargeIsProtocolError(t *testing.T) {
	fs := newFakeServer(t)
	s, fc := dialFake(t, fs, WithMaxFrameLength(1024))
	ch := goExecute(s, "X")
	expectT[*wire.Command](fc)
	fc.sendRaw([]byte{0, 0, 0x10, 0, 0x04}) // 4096 > 1024, before any payload
	if r := waitExec(t, ch); !errors.Is(r.err, ErrProtocol) {
		t.Fatalf("got %v", r.err)
	}
}

// Rows closed in the middle of a big result: the rest is dropped, reading does not stall on the
// full buffer, and the session's next request runs once the server answers the attention.
func TestRowsCloseDropsTheRest(t *testing.T) {
	fs := newFakeServer(t)
	s, fc := dialFake(t, fs)
	rows, err := s.Query(context.Background(), "BIG")
	if err != nil {
		t.Fatal(err)
	}
	expectT[*wire.Command](fc)
	fc.send(&wire.Row{RequestID: 1, Seq: 0, Data: []byte("first")})
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	rows.Close()
	expectT[*wire.Attention](fc)
	var b []byte
	for i := 1; i < 3*rowsHighWater; i++ {
		b, _ = wire.Append(b, &wire.Row{RequestID: 1, Seq: uint64(i), Data: []byte("x")})
	}
	b, _ = wire.Append(b, &wire.Done{RequestID: 1, Flags: wire.DoneFinal | wire.DoneAttention})
	go func() {
		fc.nc.SetWriteDeadline(time.Now().Add(waitLimit))
		fc.nc.Write(b)
	}()
	ch := goExecute(s, "NEXT")
	c := expectT[*wire.Command](fc)
	if c.RequestID != 2 {
		t.Fatalf("%#v", c)
	}
	fc.send(&wire.Done{RequestID: 2, Flags: wire.DoneFinal})
	if r := waitExec(t, ch); r.err != nil {
		t.Fatal(r.err)
	}
}

// The stream ends inside a frame: a lost connection (the server died mid-write).
func TestEOFInsideAFrame(t *testing.T) {
	fs := newFakeServer(t)
	s, fc := dialFake(t, fs)
	ch := goExecute(s, "X")
	expectT[*wire.Command](fc)
	fc.sendRaw([]byte{0, 0, 0, 20, 0x04, 0, 0})
	fc.close()
	r := waitExec(t, ch)
	if !errors.Is(r.err, ErrConnectionLost) || !errors.Is(r.err, wire.ErrTruncated) {
		t.Fatalf("got %v", r.err)
	}
}

func TestInvalidCommandLeavesSessionAlone(t *testing.T) {
	fs := newFakeServer(t)
	s, fc := dialFake(t, fs)
	if _, err := s.Execute(context.Background(), string([]byte{0xff})); err == nil {
		t.Fatal("invalid UTF-8 accepted")
	}
	ch := goExecute(s, "PING")
	c := expectT[*wire.Command](fc)
	fc.send(&wire.Done{RequestID: c.RequestID, Flags: wire.DoneFinal})
	if r := waitExec(t, ch); r.err != nil {
		t.Fatal(r.err)
	}
}
