package ferry

import (
	"context"
	"errors"
	"math/rand"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"ferry.dev/client-go/internal/wire"
)

// A hostile server: after WELCOME it sends well-formed frames in random order and with random
// ids (rows, DONEs, DEFERRED, MIGRATE to nowhere or to itself, MIGRATE_CANCEL, GOODBYEs,
// ERRORs), answers RESUMEs at random, and sometimes garbage. Whatever it does, the client must
// not panic or hang: every call returns one of the package's errors, and Close ends every
// goroutine of the session.
//
// FERRY_HOSTILE_SEEDS=N runs N seeds instead of 40.
func TestHostileServer(t *testing.T) {
	seeds := int64(40)
	if n, err := strconv.ParseInt(os.Getenv("FERRY_HOSTILE_SEEDS"), 10, 64); err == nil && n > 0 {
		seeds = n
	}
	for seed := int64(1); seed <= seeds; seed++ {
		hostileRun(t, seed)
	}
}

func randomFrame(r *rand.Rand, self string, nowhere string) wire.Frame {
	id := uint32(r.Intn(4) + 1)
	if r.Intn(200) == 0 {
		return &wire.Welcome{Version: 1, SessionID: testSessionID, ServerName: "h", Resumed: r.Intn(2) == 0}
	}
	switch r.Intn(11) {
	case 0, 1, 2:
		return &wire.Row{RequestID: id, Seq: uint64(r.Intn(5)), Data: []byte("x")}
	case 3:
		return &wire.Message{RequestID: id, Severity: byte(r.Intn(3)), Text: "m"}
	case 4, 5:
		return &wire.Done{RequestID: id, Flags: []byte{0, wire.DoneFinal, wire.DoneFinal | wire.DoneError, wire.DoneFinal | wire.DoneAttention}[r.Intn(4)], RowCount: uint64(r.Intn(5))}
	case 6:
		return &wire.Deferred{RequestID: id}
	case 7:
		targets := []string{nowhere}
		if r.Intn(2) == 0 {
			targets = []string{self}
		}
		return &wire.Migrate{MigrationID: uint32(r.Intn(3) + 1), InBatchRequestID: uint32(r.Intn(3)), DeadlineMillis: 1000, Targets: targets}
	case 8:
		return &wire.MigrateCancel{MigrationID: uint32(r.Intn(3) + 1)}
	case 9:
		return &wire.Error{Code: []uint16{wire.CodeCommandFailed, wire.CodeProtocolError, wire.CodeSessionExpired}[r.Intn(3)], RequestID: uint32(r.Intn(2)) * id, Text: "e"}
	default:
		if r.Intn(4) == 0 {
			return &wire.Goodbye{Reason: byte(r.Intn(5)), Text: "g"}
		}
		return &wire.Row{RequestID: id, Seq: uint64(r.Intn(5)), Data: []byte("y")}
	}
}

func hostileRun(t *testing.T, seed int64) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	self := ln.Addr().String()
	nowhere := unreachableAddr(t)
	var wg sync.WaitGroup
	var connsMu sync.Mutex
	var conns []net.Conn
	serve := func(c net.Conn, r *rand.Rand) {
		defer wg.Done()
		defer c.Close()
		rd := wire.NewReader(c, wire.DefaultMaxFrameLength)
		c.SetDeadline(time.Now().Add(waitLimit))
		f, err := rd.ReadFrame()
		if err != nil {
			return
		}
		send := func(f wire.Frame) bool {
			b, err := wire.Encode(f)
			if err != nil {
				return false
			}
			_, err = c.Write(b)
			return err == nil
		}
		switch f.(type) {
		case *wire.Hello:
			send(welcome("h1", token1, false))
		case *wire.Resume:
			switch r.Intn(4) {
			case 0:
				send(welcome("h2", token2, true))
			case 1:
				send(&wire.Error{Code: []uint16{wire.CodeAlreadyClaimed, wire.CodeClaimPending, wire.CodeMigrationCancelled, wire.CodeStoreUnavailable, wire.CodeSessionExpired}[r.Intn(5)]})
				return
			case 2:
				return
			}
		}
		// Read what the client sends (so it never blocks) while sending random frames.
		go func() {
			for {
				if _, err := rd.ReadFrame(); err != nil {
					return
				}
			}
		}()
		for i := 0; i < 30; i++ {
			if r.Intn(200) == 0 {
				c.Write([]byte{0, 0, 0, 3, 0x7f, 1, 2}) // garbage: an unknown frame type
				return
			}
			if !send(randomFrame(r, self, nowhere)) {
				return
			}
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := rand.New(rand.NewSource(seed))
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			connsMu.Lock()
			conns = append(conns, c)
			connsMu.Unlock()
			wg.Add(1)
			go serve(c, rand.New(rand.NewSource(r.Int63())))
		}
	}()
	defer func() {
		ln.Close()
		connsMu.Lock()
		for _, c := range conns {
			c.Close()
		}
		connsMu.Unlock()
		wg.Wait()
	}()

	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	s, err := Dial(ctx, self, WithReadAhead(seed%2 == 0), WithResumeBackoff(time.Millisecond),
		WithClaimWait(20*time.Millisecond), WithConnectTimeout(time.Second), WithResumeAttempts(2))
	if err != nil {
		if !isOurs(err) {
			t.Fatalf("seed %d: Dial: foreign error %T %v", seed, err, err)
		}
		return
	}
	r := rand.New(rand.NewSource(seed))
	for i := 0; i < 6 && s.Open(); i++ {
		cctx, ccancel := context.WithTimeout(context.Background(), time.Duration(20+r.Intn(50))*time.Millisecond)
		if r.Intn(2) == 0 {
			_, err = s.Execute(cctx, "X")
		} else if rows, qerr := s.Query(cctx, "Y"); qerr == nil {
			for rows.Next() {
				if r.Intn(3) == 0 {
					rows.Cancel()
				}
			}
			err = rows.Err()
			rows.Close()
		} else {
			err = qerr
		}
		ccancel()
		if err != nil && !isOurs(err) {
			t.Fatalf("seed %d: foreign error %T %v", seed, err, err)
		}
	}
	t.Logf("seed %d: %d migrations, ended: %v", seed, s.Migrations(), s.Err())
	closeAndWait(t, s)
}

func isOurs(err error) bool {
	for _, e := range []error{ErrCancelled, ErrCommandFailed, ErrSessionExpired, ErrBadToken, ErrAlreadyClaimed,
		ErrSessionEnded, ErrConnectionFailed, ErrConnectionLost, ErrProtocol, ErrNotServing, ErrServerFull,
		ErrUnsupportedVersion, ErrClosed} {
		if errors.Is(err, e) {
			return true
		}
	}
	var se *ServerError
	return errors.As(err, &se)
}
