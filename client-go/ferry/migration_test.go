package ferry

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"ferry.dev/client-go/internal/wire"
)

// expectResume reads the RESUME on a target connection and checks the session and token.
func expectResume(t *testing.T, fc *fakeConn, tok wire.Token, attention uint32) {
	t.Helper()
	r := expectT[*wire.Resume](fc)
	if r.Version != 1 || r.SessionID != testSessionID || r.ResumeToken != tok || r.AttentionRequestID != attention {
		t.Fatalf("RESUME %#v, want token %x attention %d", r, tok[:1], attention)
	}
}

// expectMovedAway checks the source gets GOODBYE(MOVED) and then the close.
func expectMovedAway(t *testing.T, fc *fakeConn) {
	t.Helper()
	g := expectT[*wire.Goodbye](fc)
	if g.Reason != wire.GoodbyeMoved {
		t.Fatalf("GOODBYE reason %d, want MOVED", g.Reason)
	}
	fc.expectEOF()
}

func TestIdleMigrationReadAhead(t *testing.T) {
	src, dst := newFakeServer(t), newFakeServer(t)
	seen, migrated := migrationSeen()
	s, fc := dialFake(t, src, seen)
	fc.send(&wire.Migrate{MigrationID: 9, DeadlineMillis: 60000, Targets: []string{dst.addr}})
	// Proactive: the session moves with no command sent.
	tc := dst.accept()
	expectResume(t, tc, token1, 0)
	tc.send(welcome("s2", token2, true))
	expectMovedAway(t, fc)
	ev := waitMigration(t, migrated)
	if ev.MigrationID != 9 || ev.FromServer != "s1" || ev.ToServer != "s2" || ev.ToAddress != dst.addr || ev.Pause <= 0 {
		t.Fatalf("event %#v", ev)
	}
	if s.Server() != "s2" || s.Migrations() != 1 || s.LastMigrationPause() != ev.Pause {
		t.Fatalf("server %s migrations %d pause %v", s.Server(), s.Migrations(), s.LastMigrationPause())
	}
	ch := goExecute(s, "PING")
	c := expectT[*wire.Command](tc)
	tc.send(&wire.Done{RequestID: c.RequestID, Flags: wire.DoneFinal})
	if r := waitExec(t, ch); r.err != nil || r.res.Server != "s2" {
		t.Fatalf("%v %v", r.res, r.err)
	}
	// The next migration uses the token of the last WELCOME.
	dst2 := newFakeServer(t)
	tc.send(&wire.Migrate{MigrationID: 10, Targets: []string{dst2.addr}})
	tc2 := dst2.accept()
	expectResume(t, tc2, token2, 0)
	tc2.send(welcome("s3", token3, true))
	expectMovedAway(t, tc)
	waitMigration(t, migrated)
	if s.Migrations() != 2 || s.Server() != "s3" {
		t.Fatalf("migrations %d server %s", s.Migrations(), s.Server())
	}
}

func TestIdleMigrationLazy(t *testing.T) {
	src, dst := newFakeServer(t), newFakeServer(t)
	seen, migrated := migrationSeen()
	s, fc := dialFake(t, src, seen, WithReadAhead(false))
	fc.send(&wire.Migrate{MigrationID: 1, DeadlineMillis: 60000, Targets: []string{dst.addr}})
	// Lazy: an idle session does not read, so it does not see the MIGRATE (an absence: checked
	// for a bounded window).
	dst.noConnectionWithin(200 * time.Millisecond)
	if s.Migrations() != 0 {
		t.Fatal("moved while idle")
	}
	// The next command makes it read: the MIGRATE comes first, the source defers the COMMAND,
	// and the command runs on the target.
	ch := goExecute(s, "PING")
	c := expectT[*wire.Command](fc)
	fc.send(&wire.Deferred{RequestID: c.RequestID})
	tc := dst.accept()
	expectResume(t, tc, token1, 0)
	tc.send(welcome("s2", token2, true))
	expectMovedAway(t, fc)
	c2 := expectT[*wire.Command](tc)
	if c2.RequestID != c.RequestID || c2.Command != "PING" {
		t.Fatalf("re-sent %#v", c2)
	}
	tc.send(&wire.Row{RequestID: c2.RequestID, Data: []byte("PONG")}, &wire.Done{RequestID: c2.RequestID, Flags: wire.DoneFinal, RowCount: 1})
	r := waitExec(t, ch)
	if r.err != nil || r.res.Server != "s2" || rowStrings(r.res.Rows)[0] != "PONG" {
		t.Fatalf("%v %v", r.res, r.err)
	}
	waitMigration(t, migrated)
}

// The source closed right after MIGRATE (idle timer 0): the lazy session finds MIGRATE,
// GOODBYE(MIGRATING) and the close when it next sends, and still moves.
func TestLazySourceClosedAfterMigrate(t *testing.T) {
	src, dst := newFakeServer(t), newFakeServer(t)
	s, fc := dialFake(t, src, WithReadAhead(false))
	fc.send(&wire.Migrate{MigrationID: 1, Targets: []string{dst.addr}}, &wire.Goodbye{Reason: wire.GoodbyeMigrating})
	fc.close()
	ch := goExecute(s, "PING")
	tc := dst.accept()
	expectResume(t, tc, token1, 0)
	tc.send(welcome("s2", token2, true))
	c := expectT[*wire.Command](tc)
	tc.send(&wire.Done{RequestID: c.RequestID, Flags: wire.DoneFinal})
	if r := waitExec(t, ch); r.err != nil || s.Migrations() != 1 {
		t.Fatalf("%v, migrations %d", r.err, s.Migrations())
	}
}

func TestInBatchContinuation(t *testing.T) {
	for _, readAhead := range []bool{true, false} {
		t.Run(map[bool]string{true: "read-ahead", false: "lazy"}[readAhead], func(t *testing.T) {
			src, dst := newFakeServer(t), newFakeServer(t)
			s, fc := dialFake(t, src, WithReadAhead(readAhead))
			rows, err := s.Query(context.Background(), "STREAM 4")
			if err != nil {
				t.Fatal(err)
			}
			c := expectT[*wire.Command](fc)
			fc.send(
				&wire.Row{RequestID: c.RequestID, Seq: 0, Data: []byte("r0")},
				&wire.Row{RequestID: c.RequestID, Seq: 1, Data: []byte("r1")},
				&wire.Migrate{MigrationID: 2, InBatchRequestID: c.RequestID, DeadlineMillis: 60000, Targets: []string{dst.addr}},
			)
			tc := dst.accept()
			expectResume(t, tc, token1, 0)
			tc.send(
				welcome("s2", token2, true),
				&wire.Row{RequestID: c.RequestID, Seq: 1, Data: []byte("r1 again")}, // a duplicate: dropped
				&wire.Row{RequestID: c.RequestID, Seq: 2, Data: []byte("r2")},
				&wire.Row{RequestID: c.RequestID, Seq: 3, Data: []byte("r3")},
				&wire.Done{RequestID: c.RequestID, Flags: wire.DoneFinal, RowCount: 4},
			)
			expectMovedAway(t, fc)
			var got []Row
			for rows.Next() {
				got = append(got, rows.Row())
			}
			if rows.Err() != nil || rows.RowCount() != 4 {
				t.Fatalf("%v rowCount %d", rows.Err(), rows.RowCount())
			}
			if !reflect.DeepEqual(rowStrings(got), []string{"r0", "r1", "r2", "r3"}) {
				t.Fatalf("rows %v", rowStrings(got))
			}
			for i, r := range got {
				if r.Seq != uint64(i) {
					t.Fatalf("seq %d at %d", r.Seq, i)
				}
			}
			// The in-batch request was not re-sent: the target's next frame is the next request.
			ch := goExecute(s, "NEXT")
			c2 := expectT[*wire.Command](tc)
			if c2.RequestID != c.RequestID+1 || c2.Command != "NEXT" {
				t.Fatalf("next frame on the target %#v", c2)
			}
			tc.send(&wire.Done{RequestID: c2.RequestID, Flags: wire.DoneFinal})
			if r := waitExec(t, ch); r.err != nil {
				t.Fatal(r.err)
			}
		})
	}
}

// A cancel of the in-batch request while the session moves goes in RESUME.attentionRequestId.
func TestAttentionDuringMigration(t *testing.T) {
	src, dst1, dst2 := newFakeServer(t), newFakeServer(t), newFakeServer(t)
	s, fc := dialFake(t, src)
	rows, err := s.Query(context.Background(), "STREAM")
	if err != nil {
		t.Fatal(err)
	}
	c := expectT[*wire.Command](fc)
	fc.send(
		&wire.Row{RequestID: c.RequestID, Seq: 0, Data: []byte("r0")},
		&wire.Migrate{MigrationID: 2, InBatchRequestID: c.RequestID, Targets: []string{dst1.addr, dst2.addr}},
	)
	// The first target gets a RESUME without attention; the user cancels while it answers.
	tc1 := dst1.accept()
	expectResume(t, tc1, token1, 0)
	rows.Cancel() // returns once the session has taken the cancel
	// The source does not own the request any more: no ATTENTION goes there. The first target
	// fails; the RESUME to the next carries the attention.
	tc1.send(&wire.Error{Code: wire.CodeStoreUnavailable, Text: "store down"})
	tc1.close()
	tc2 := dst2.accept()
	expectResume(t, tc2, token1, c.RequestID)
	tc2.send(welcome("s2", token2, true), &wire.Done{RequestID: c.RequestID, Flags: wire.DoneFinal | wire.DoneAttention, RowCount: 1})
	expectMovedAway(t, fc)
	var got []string
	for rows.Next() {
		got = append(got, rows.Row().String())
	}
	if !errors.Is(rows.Err(), ErrCancelled) || !reflect.DeepEqual(got, []string{"r0"}) {
		t.Fatalf("rows %v err %v", got, rows.Err())
	}
}

// A cancel that comes after the RESUME went out goes to the target as ATTENTION after WELCOME.
func TestAttentionAfterResumeSent(t *testing.T) {
	src, dst := newFakeServer(t), newFakeServer(t)
	s, fc := dialFake(t, src)
	rows, err := s.Query(context.Background(), "STREAM")
	if err != nil {
		t.Fatal(err)
	}
	c := expectT[*wire.Command](fc)
	fc.send(&wire.Migrate{MigrationID: 2, InBatchRequestID: c.RequestID, Targets: []string{dst.addr}})
	tc := dst.accept()
	expectResume(t, tc, token1, 0)
	rows.Cancel()
	tc.send(welcome("s2", token2, true))
	a := expectT[*wire.Attention](tc)
	if a.RequestID != c.RequestID {
		t.Fatalf("ATTENTION %d", a.RequestID)
	}
	tc.send(&wire.Done{RequestID: c.RequestID, Flags: wire.DoneFinal | wire.DoneAttention})
	if rows.Next() || !errors.Is(rows.Err(), ErrCancelled) {
		t.Fatalf("%v", rows.Err())
	}
}

// MIGRATION_CANCELLED from the target: stay on the source, wait for MIGRATE_CANCEL, re-send the
// deferred command there.
func TestMigrationCancelled(t *testing.T) {
	src, dst := newFakeServer(t), newFakeServer(t)
	s, fc := dialFake(t, src)
	ch := goExecute(s, "SET x 1")
	c := expectT[*wire.Command](fc)
	fc.send(&wire.Migrate{MigrationID: 5, Targets: []string{dst.addr}}, &wire.Deferred{RequestID: c.RequestID})
	tc := dst.accept()
	expectResume(t, tc, token1, 0)
	tc.send(&wire.Error{Code: wire.CodeMigrationCancelled, Text: "the source took it back"})
	tc.close()
	fc.send(&wire.MigrateCancel{MigrationID: 5})
	c2 := expectT[*wire.Command](fc)
	if c2.RequestID != c.RequestID || c2.Command != "SET x 1" {
		t.Fatalf("re-sent %#v", c2)
	}
	fc.send(&wire.Done{RequestID: c.RequestID, Flags: wire.DoneFinal})
	r := waitExec(t, ch)
	if r.err != nil || r.res.Server != "s1" || s.Migrations() != 0 {
		t.Fatalf("%v server %v migrations %d", r.err, r.res, s.Migrations())
	}
	dst.noConnectionWithin(50 * time.Millisecond)
}

// MIGRATE_CANCEL while an in-batch request is carried: the source continues it, and a cancel
// the user asked for meanwhile goes to the source as ATTENTION.
func TestMigrateCancelInBatchAttention(t *testing.T) {
	src := newFakeServer(t)
	// Every path fails fast (nothing listens on the target, and the service address answers
	// STORE_UNAVAILABLE below), so the session waits on the source for MIGRATE_CANCEL.
	s, fc := dialFake(t, src, WithResumeAttempts(1))
	rows, err := s.Query(context.Background(), "STREAM")
	if err != nil {
		t.Fatal(err)
	}
	c := expectT[*wire.Command](fc)
	fc.send(&wire.Row{RequestID: c.RequestID, Seq: 0, Data: []byte("r0")},
		&wire.Migrate{MigrationID: 3, InBatchRequestID: c.RequestID, Targets: []string{unreachableAddr(t)}})
	svc := src.accept() // the fallback: the service address
	expectResume(t, svc, token1, 0)
	svc.send(&wire.Error{Code: wire.CodeStoreUnavailable})
	svc.close()
	if !rows.Next() || rows.Row().String() != "r0" {
		t.Fatal(rows.Err())
	}
	rows.Cancel()
	fc.send(&wire.MigrateCancel{MigrationID: 3})
	a := expectT[*wire.Attention](fc)
	if a.RequestID != c.RequestID {
		t.Fatalf("ATTENTION %d", a.RequestID)
	}
	fc.send(&wire.Row{RequestID: c.RequestID, Seq: 1, Data: []byte("r1")}, &wire.Done{RequestID: c.RequestID, Flags: wire.DoneFinal | wire.DoneAttention, RowCount: 2})
	if !rows.Next() || rows.Row().String() != "r1" {
		t.Fatal(rows.Err())
	}
	if rows.Next() || !errors.Is(rows.Err(), ErrCancelled) {
		t.Fatal(rows.Err())
	}
	if s.Migrations() != 0 || s.Server() != "s1" {
		t.Fatal("moved")
	}
}

// A deferred request after a cancel (the source's deferral barrier) is sent again at once.
func TestDeferredWithNoMigrationIsResent(t *testing.T) {
	src := newFakeServer(t)
	s, fc := dialFake(t, src)
	ch := goExecute(s, "A")
	c := expectT[*wire.Command](fc)
	fc.send(&wire.Deferred{RequestID: c.RequestID})
	c2 := expectT[*wire.Command](fc)
	if c2.RequestID != c.RequestID {
		t.Fatalf("%#v", c2)
	}
	fc.send(&wire.Done{RequestID: c.RequestID, Flags: wire.DoneFinal})
	if r := waitExec(t, ch); r.err != nil {
		t.Fatal(r.err)
	}
}

func TestClaimPendingWaits(t *testing.T) {
	src, dst := newFakeServer(t), newFakeServer(t)
	seen, migrated := migrationSeen()
	s, fc := dialFake(t, src, seen, WithResumeBackoff(time.Millisecond))
	fc.send(&wire.Migrate{MigrationID: 1, Targets: []string{dst.addr}})
	var gaps []time.Duration
	last := time.Now()
	for i := 0; i < 3; i++ {
		tc := dst.accept()
		gaps = append(gaps, time.Since(last))
		expectResume(t, tc, token1, 0)
		tc.send(&wire.Error{Code: wire.CodeClaimPending, Text: "confirm deadline in 1 s"})
		tc.close()
		last = time.Now()
	}
	tc := dst.accept()
	gaps = append(gaps, time.Since(last))
	expectResume(t, tc, token1, 0)
	tc.send(welcome("s2", token2, true))
	waitMigration(t, migrated)
	if s.Server() != "s2" {
		t.Fatal(s.Server())
	}
	// The same address was asked again after growing pauses: 50, 100, 200 ms.
	for i, want := range []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond} {
		if gaps[i+1] < want {
			t.Fatalf("pause %d was %v, want at least %v (gaps %v)", i, gaps[i+1], want, gaps)
		}
	}
}

func TestClaimPendingGivesUpAfterClaimWait(t *testing.T) {
	src, dst, other := newFakeServer(t), newFakeServer(t), newFakeServer(t)
	seen, migrated := migrationSeen()
	s, fc := dialFake(t, src, seen, WithClaimWait(120*time.Millisecond), WithResumeBackoff(time.Millisecond))
	fc.send(&wire.Migrate{MigrationID: 1, Targets: []string{dst.addr, other.addr}})
	for i := 0; ; i++ {
		var tc *fakeConn
		select {
		case c := <-dst.conns:
			tc = &fakeConn{t: t, nc: c, rd: wire.NewReader(c, wire.DefaultMaxFrameLength)}
		case c := <-other.conns:
			// The claim wait passed: the next path is tried.
			oc := &fakeConn{t: t, nc: c, rd: wire.NewReader(c, wire.DefaultMaxFrameLength)}
			expectResume(t, oc, token1, 0)
			oc.send(welcome("s3", token2, true))
			waitMigration(t, migrated)
			if s.Server() != "s3" || i < 2 {
				t.Fatalf("server %s after %d CLAIM_PENDING", s.Server(), i)
			}
			oc.close()
			return
		case <-time.After(waitLimit):
			t.Fatal("no resume attempt")
		}
		expectResume(t, tc, token1, 0)
		tc.send(&wire.Error{Code: wire.CodeClaimPending})
		tc.close()
	}
}

func TestAlreadyClaimedRetried(t *testing.T) {
	src, dst := newFakeServer(t), newFakeServer(t)
	seen, migrated := migrationSeen()
	s, fc := dialFake(t, src, seen, WithResumeBackoff(time.Millisecond))
	fc.send(&wire.Migrate{MigrationID: 1, Targets: []string{dst.addr}})
	tc := dst.accept()
	expectResume(t, tc, token1, 0)
	tc.send(&wire.Error{Code: wire.CodeAlreadyClaimed})
	tc.close()
	// Like an unreachable target: the next path is the service address (the source here), which
	// also says ALREADY_CLAIMED; the next pass asks the target again, which has the session now.
	svc := src.accept()
	expectResume(t, svc, token1, 0)
	svc.send(&wire.Error{Code: wire.CodeAlreadyClaimed})
	svc.close()
	tc = dst.accept()
	expectResume(t, tc, token1, 0)
	tc.send(welcome("s2", token2, true))
	waitMigration(t, migrated)
	if s.Server() != "s2" {
		t.Fatal(s.Server())
	}
}

func TestFallbackToServiceAddress(t *testing.T) {
	src := newFakeServer(t)
	seen, migrated := migrationSeen()
	s, fc := dialFake(t, src, seen)
	fc.send(&wire.Migrate{MigrationID: 1, Targets: []string{unreachableAddr(t), unreachableAddr(t)}})
	svc := src.accept()
	expectResume(t, svc, token1, 0)
	svc.send(welcome("s9", token2, true))
	expectMovedAway(t, fc)
	ev := waitMigration(t, migrated)
	if ev.ToAddress != src.addr || s.Server() != "s9" {
		t.Fatalf("%#v", ev)
	}
}

func TestSessionExpired(t *testing.T) {
	src, dst := newFakeServer(t), newFakeServer(t)
	s, fc := dialFake(t, src, WithReadAhead(false))
	ch := goExecute(s, "PING")
	c := expectT[*wire.Command](fc)
	fc.send(&wire.Migrate{MigrationID: 1, Targets: []string{dst.addr}}, &wire.Deferred{RequestID: c.RequestID})
	tc := dst.accept()
	expectResume(t, tc, token1, 0)
	tc.send(&wire.Error{Code: wire.CodeSessionExpired, Text: "gone"})
	tc.close()
	r := waitExec(t, ch)
	var se *ServerError
	if !errors.Is(r.err, ErrSessionExpired) || !errors.As(r.err, &se) || se.Text != "gone" {
		t.Fatalf("got %v", r.err)
	}
	waitDone(t, s)
	if !errors.Is(s.Err(), ErrSessionExpired) {
		t.Fatal(s.Err())
	}
	if _, err := s.Execute(context.Background(), "PING"); !errors.Is(err, ErrSessionExpired) {
		t.Fatalf("after the end: %v", err)
	}
}

func TestAllPathsFailWithSourceGone(t *testing.T) {
	src := newFakeServer(t)
	s, fc := dialFake(t, src, WithResumeAttempts(2), WithResumeBackoff(time.Millisecond))
	src.ln.Close() // the service address is gone too
	fc.send(&wire.Migrate{MigrationID: 1, Targets: []string{unreachableAddr(t)}}, &wire.Goodbye{Reason: wire.GoodbyeMigrating})
	fc.close()
	waitDone(t, s)
	if !errors.Is(s.Err(), ErrSessionEnded) {
		t.Fatal(s.Err())
	}
}

// Every path fails while the source is open: stay, and make one more pass when it closes.
func TestAllPathsFailThenSourceCloses(t *testing.T) {
	src, dst := newFakeServer(t), newFakeServer(t)
	seen, migrated := migrationSeen()
	logs, waitLog := logWatch(t)
	s, fc := dialFake(t, src, seen, logs, WithResumeAttempts(1))
	fc.send(&wire.Migrate{MigrationID: 1, Targets: []string{dst.addr}})
	tc := dst.accept()
	expectResume(t, tc, token1, 0)
	tc.send(&wire.Error{Code: wire.CodeStoreUnavailable})
	tc.close()
	svc := src.accept()
	expectResume(t, svc, token1, 0)
	svc.send(&wire.Error{Code: wire.CodeNotServing})
	svc.close()
	waitLog("every resume path failed")
	// Now the source gives up and closes.
	fc.send(&wire.Goodbye{Reason: wire.GoodbyeMigrating})
	fc.close()
	tc = dst.accept()
	expectResume(t, tc, token1, 0)
	tc.send(welcome("s2", token2, true))
	waitMigration(t, migrated)
	if s.Server() != "s2" {
		t.Fatal(s.Server())
	}
}

// A second MIGRATE while moving replaces the first; the pause is measured from the first.
func TestSecondMigrateRetargets(t *testing.T) {
	src, dst1, dst2 := newFakeServer(t), newFakeServer(t), newFakeServer(t)
	seen, migrated := migrationSeen()
	logs, waitLog := logWatch(t)
	s, fc := dialFake(t, src, seen, logs, WithResumeBackoff(time.Millisecond))
	fc.send(&wire.Migrate{MigrationID: 1, Targets: []string{dst1.addr}})
	tc := dst1.accept()
	expectResume(t, tc, token1, 0)
	fc.send(&wire.Migrate{MigrationID: 2, Targets: []string{dst2.addr}})
	waitLog("migration 2 replaces migration 1")
	tc.send(&wire.Error{Code: wire.CodeStoreUnavailable})
	tc.close()
	tc2 := dst2.accept()
	expectResume(t, tc2, token1, 0)
	tc2.send(welcome("s2", token2, true))
	ev := waitMigration(t, migrated)
	if ev.MigrationID != 2 || s.Server() != "s2" {
		t.Fatalf("%#v", ev)
	}
}

func TestWelcomeForAnotherSessionFailsThePath(t *testing.T) {
	src, bad, good := newFakeServer(t), newFakeServer(t), newFakeServer(t)
	seen, migrated := migrationSeen()
	s, fc := dialFake(t, src, seen)
	fc.send(&wire.Migrate{MigrationID: 1, Targets: []string{bad.addr, good.addr}})
	tc := bad.accept()
	expectResume(t, tc, token1, 0)
	w := welcome("evil", token2, true)
	w.SessionID[0] ^= 0xff
	tc.send(w)
	tc.expectEOF()
	tc2 := good.accept()
	expectResume(t, tc2, token1, 0)
	tc2.send(welcome("s2", token2, true))
	waitMigration(t, migrated)
	if s.Server() != "s2" {
		t.Fatal(s.Server())
	}
}

func TestCloseDuringMigration(t *testing.T) {
	src, dst := newFakeServer(t), newFakeServer(t)
	s, fc := dialFake(t, src)
	ch := goExecute(s, "PING")
	c := expectT[*wire.Command](fc)
	fc.send(&wire.Migrate{MigrationID: 1, Targets: []string{dst.addr}}, &wire.Deferred{RequestID: c.RequestID})
	tc := dst.accept()
	expectResume(t, tc, token1, 0)
	closeAndWait(t, s)
	if r := waitExec(t, ch); !errors.Is(r.err, ErrClosed) {
		t.Fatal(r.err)
	}
	tc.expectEOF()
}

func TestContextDeadlineWhileDeferred(t *testing.T) {
	src, dst := newFakeServer(t), newFakeServer(t)
	s, fc := dialFake(t, src)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := s.Execute(ctx, "PING")
		errc <- err
	}()
	c := expectT[*wire.Command](fc)
	fc.send(&wire.Migrate{MigrationID: 1, Targets: []string{dst.addr}}, &wire.Deferred{RequestID: c.RequestID})
	tc := dst.accept()
	expectResume(t, tc, token1, 0)
	cancel()
	if err := <-errc; !errors.Is(err, ErrCancelled) {
		t.Fatal(err)
	}
	tc.send(welcome("s2", token2, true))
	// The deferred request was ended by the client: nothing is re-sent; the next one goes out.
	ch := goExecute(s, "NEXT")
	c2 := expectT[*wire.Command](tc)
	if c2.Command != "NEXT" {
		t.Fatalf("%#v", c2)
	}
	tc.send(&wire.Done{RequestID: c2.RequestID, Flags: wire.DoneFinal})
	if r := waitExec(t, ch); r.err != nil {
		t.Fatal(r.err)
	}
}

func TestAlreadyClaimedEverywhereWithSourceGone(t *testing.T) {
	src, dst := newFakeServer(t), newFakeServer(t)
	s, fc := dialFake(t, src, WithResumeAttempts(2), WithResumeBackoff(time.Millisecond))
	src.ln.Close() // the service address is unreachable
	fc.send(&wire.Migrate{MigrationID: 1, Targets: []string{dst.addr}}, &wire.Goodbye{Reason: wire.GoodbyeMigrating})
	fc.close()
	for i := 0; i < 2; i++ {
		tc := dst.accept()
		expectResume(t, tc, token1, 0)
		tc.send(&wire.Error{Code: wire.CodeAlreadyClaimed})
		tc.close()
	}
	waitDone(t, s)
	if !errors.Is(s.Err(), ErrAlreadyClaimed) {
		t.Fatal(s.Err())
	}
}

func TestMigrationCancelledWithSourceGone(t *testing.T) {
	src, dst := newFakeServer(t), newFakeServer(t)
	logs, waitLog := logWatch(t)
	s, fc := dialFake(t, src, logs)
	fc.send(&wire.Migrate{MigrationID: 1, Targets: []string{dst.addr}})
	tc := dst.accept()
	expectResume(t, tc, token1, 0)
	fc.close()
	waitLog("closed during migration")
	tc.send(&wire.Error{Code: wire.CodeMigrationCancelled})
	waitDone(t, s)
	if !errors.Is(s.Err(), ErrSessionEnded) {
		t.Fatal(s.Err())
	}
}

func TestGoodbyeMigratingWithoutMigrate(t *testing.T) {
	for _, reason := range []byte{wire.GoodbyeMigrating, wire.GoodbyeIdleTimeout} {
		src := newFakeServer(t)
		s, fc := dialFake(t, src)
		fc.send(&wire.Goodbye{Reason: reason, Text: "bye"})
		fc.close()
		waitDone(t, s)
		if !errors.Is(s.Err(), ErrSessionEnded) {
			t.Fatalf("reason %d: %v", reason, s.Err())
		}
	}
}

// CLAIM_PENDING from a target after a second MIGRATE replaced the paths: the same address is
// asked again (it holds the pending claim). Found by TestHostileServer: the path index went to -1.
func TestClaimPendingAfterRetarget(t *testing.T) {
	src, dst1, dst2 := newFakeServer(t), newFakeServer(t), newFakeServer(t)
	logs, waitLog := logWatch(t)
	seen, migrated := migrationSeen()
	s, fc := dialFake(t, src, logs, seen, WithResumeBackoff(time.Millisecond))
	fc.send(&wire.Migrate{MigrationID: 1, Targets: []string{dst1.addr}})
	tc := dst1.accept()
	expectResume(t, tc, token1, 0)
	fc.send(&wire.Migrate{MigrationID: 2, Targets: []string{dst2.addr}})
	waitLog("migration 2 replaces migration 1")
	tc.send(&wire.Error{Code: wire.CodeClaimPending})
	tc.close()
	tc = dst1.accept()
	expectResume(t, tc, token1, 0)
	tc.send(welcome("s2", token2, true))
	waitMigration(t, migrated)
	if s.Server() != "s2" {
		t.Fatal(s.Server())
	}
}
