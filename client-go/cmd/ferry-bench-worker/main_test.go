package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// lines runs a worker on input and returns its protocol lines as word and body.
func lines(t *testing.T, input string) [][2]string {
	t.Helper()
	clock, err := newMonotonicClock()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := &worker{id: 3, openConcurrency: 4, clock: clock, out: &out}
	if code := w.run(strings.NewReader(input)); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	var got [][2]string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if !strings.HasPrefix(l, "@ferry ") {
			t.Fatalf("a line without the protocol prefix: %q", l)
		}
		word, body, _ := strings.Cut(strings.TrimPrefix(l, "@ferry "), " ")
		if !json.Valid([]byte(body)) {
			t.Fatalf("%s: body is not JSON: %q", word, body)
		}
		got = append(got, [2]string{word, body})
	}
	return got
}

func TestAnswersEveryCommandAndSaysWhatIsWrong(t *testing.T) {
	got := lines(t, "REPORT\nBASELINE 127.0.0.1:1 0 0 0\nOPEN 127.0.0.1:1\nOPEN 127.0.0.1:1 -2\nCLOSE\nQUIT\nOPEN never-read 1\n")
	want := []string{"READY", "ERROR", "ERROR", "ERROR", "ERROR", "CLOSED", "CLOSED"}
	if len(got) != len(want) {
		t.Fatalf("got %d lines %v, want %v", len(got), got, want)
	}
	for i, w := range want {
		if got[i][0] != w {
			t.Errorf("line %d: %s %s, want %s", i, got[i][0], got[i][1], w)
		}
	}
	for i, hint := range []string{"send OPEN first", "no BASELINE", "usage: OPEN host:port n", "bad session count"} {
		if !strings.Contains(got[i+1][1], hint) {
			t.Errorf("error %d %s does not say %q", i, got[i+1][1], hint)
		}
	}
}

func TestOpenOnAnAddressNobodyListensOnCountsFailures(t *testing.T) {
	// Port 1 on loopback: nothing listens there, every connect is refused at once.
	got := lines(t, "OPEN 127.0.0.1:1 3\nREPORT 0\nQUIT\n")
	if got[1][0] != "OPENED" {
		t.Fatalf("got %v", got)
	}
	var opened struct{ Opened, Failed, Holding int }
	if err := json.Unmarshal([]byte(got[1][1]), &opened); err != nil {
		t.Fatal(err)
	}
	if opened.Opened != 0 || opened.Failed != 3 || opened.Holding != 0 {
		t.Errorf("OPENED %s: want 0 opened, 3 failed, 0 held", got[1][1])
	}
	var report struct {
		Sessions int
		Moved    int
	}
	if got[2][0] != "REPORT" || json.Unmarshal([]byte(got[2][1]), &report) != nil || report.Sessions != 0 {
		t.Errorf("REPORT after a failed OPEN: %v", got[2])
	}
}

func TestTheClockIsTheJvmsMonotonicClock(t *testing.T) {
	clock, err := newMonotonicClock()
	if err != nil {
		t.Fatal(err)
	}
	direct, err := monotonicNow()
	if err != nil {
		t.Fatal(err)
	}
	// Both read CLOCK_MONOTONIC: they can differ only by the time between the two reads (well under a second).
	if d := direct - clock.base; d < 0 || d > 1e9 {
		t.Errorf("monotonicNow %d vs the clock's base %d", direct, clock.base)
	}
}
