package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	s = strings.NewReplacer(" ", "", "|", "").Replace(s)
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The byte examples of docs/protocol.md, "Byte examples".
var specExamples = []struct {
	name  string
	hex   string
	frame Frame
}{
	{"COMMAND 7 PING", "00 00 00 0d | 03 | 00 00 00 07 | 00 00 00 04 50 49 4e 47", &Command{RequestID: 7, Command: "PING"}},
	{"DONE 7 FINAL 1 row", "00 00 00 0e | 06 | 00 00 00 07 | 01 | 00 00 00 00 00 00 00 01", &Done{RequestID: 7, Flags: DoneFinal, RowCount: 1}},
	{"MIGRATE 3", "00 00 00 1e | 08 | 00 00 00 03 | 00 00 00 00 | 00 00 ea 60 | 01 | 00 0e 31 32 37 2e 30 2e 30 2e 32 3a 37 30 30 30",
		&Migrate{MigrationID: 3, DeadlineMillis: 60000, Targets: []string{"127.0.0.2:7000"}}},
}

func TestSpecByteExamples(t *testing.T) {
	for _, ex := range specExamples {
		t.Run(ex.name, func(t *testing.T) {
			want := unhex(t, ex.hex)
			got, err := Encode(ex.frame)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("encode: got % x, want % x", got, want)
			}
			f, err := Decode(want, DefaultMaxFrameLength)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f, ex.frame) {
				t.Fatalf("decode: got %#v, want %#v", f, ex.frame)
			}
		})
	}
}

func allFrames() []Frame {
	var id SessionID
	var tok Token
	for i := range id {
		id[i] = byte(i + 1)
	}
	for i := range tok {
		tok[i] = byte(0xff - i)
	}
	return []Frame{
		&Hello{Version: 1, ClientName: "ferry-go"},
		&Welcome{Version: 1, SessionID: id, ResumeToken: tok, ServerName: "s1", Resumed: true},
		&Command{RequestID: 1, Command: "SELECT ü"},
		&Row{RequestID: 2, Seq: 5, Data: []byte("row")},
		&Row{RequestID: 2, Seq: 6, Data: []byte{}},
		&Message{RequestID: 3, Severity: 2, Text: "bad"},
		&Done{RequestID: 4, Flags: DoneFinal | DoneAttention, RowCount: 9},
		&Attention{RequestID: 5},
		&Migrate{MigrationID: 1, InBatchRequestID: 2, DeadlineMillis: 3, Targets: []string{"a:1", "b:2"}},
		&MigrateCancel{MigrationID: 7},
		&Resume{Version: 1, SessionID: id, ResumeToken: tok, AttentionRequestID: 3},
		&Deferred{RequestID: 8},
		&Goodbye{Reason: GoodbyeMoved, Text: "bye"},
		&Error{Code: CodeClaimPending, RequestID: 0, Text: "wait 3 s"},
	}
}

func TestRoundTripEveryFrameType(t *testing.T) {
	var stream []byte
	for _, f := range allFrames() {
		b, err := Encode(f)
		if err != nil {
			t.Fatalf("%T: %v", f, err)
		}
		g, err := Decode(b, DefaultMaxFrameLength)
		if err != nil {
			t.Fatalf("%T: %v", f, err)
		}
		if !reflect.DeepEqual(f, g) {
			t.Fatalf("round trip: %#v != %#v", f, g)
		}
		stream = append(stream, b...)
	}
	r := NewReader(bytes.NewReader(stream), DefaultMaxFrameLength)
	for _, want := range allFrames() {
		got, err := r.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("stream: %#v != %#v", got, want)
		}
	}
	if _, err := r.ReadFrame(); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}

func TestMalformedFrames(t *testing.T) {
	cases := []struct {
		name     string
		hex      string
		tooLarge bool
	}{
		{"length 0", "00 00 00 00", false},
		{"unknown type", "00 00 00 01 | 7f", false},
		{"type 0", "00 00 00 01 | 00", false},
		{"payload too short", "00 00 00 04 | 03 | 00 00 00", false},
		{"bytes left over", "00 00 00 06 | 07 | 00 00 00 01 | 00", false},
		{"text longer than payload", "00 00 00 09 | 03 | 00 00 00 07 | ff ff ff ff", false},
		{"invalid UTF-8", "00 00 00 0a | 03 | 00 00 00 07 | 00 00 00 01 ff", false},
		{"unknown DONE flag", "00 00 00 0e | 06 | 00 00 00 07 | 08 | 00 00 00 00 00 00 00 01", false},
		{"ATTENTION without FINAL", "00 00 00 0e | 06 | 00 00 00 07 | 04 | 00 00 00 00 00 00 00 01", false},
		{"u64 above 2^63-1", "00 00 00 0e | 06 | 00 00 00 07 | 01 | 80 00 00 00 00 00 00 00", false},
		{"MIGRATE with 0 targets", "00 00 00 0e | 08 | 00 00 00 03 | 00 00 00 00 | 00 00 ea 60 | 00", false},
		{"MIGRATE with 17 targets", "00 00 00 0e | 08 | 00 00 00 03 | 00 00 00 00 | 00 00 ea 60 | 11", false},
		{"bool 2", "00 00 00 36 | 02 | 00 01" + strings.Repeat("00", 48) + "00 00 | 02", false},
		{"goodbye reason 5", "00 00 00 04 | 0c | 05 | 00 00", false},
		{"severity 3", "00 00 00 0a | 05 | 00 00 00 01 | 03 | 00 00 00 00", false},
		{"requestId 0", "00 00 00 05 | 0b | 00 00 00 00", false},
		{"unknown error code", "00 00 00 0b | 0d | 00 63 | 00 00 00 00 | 00 00 00 00", false},
		{"above the cap", "00 10 00 01 | 03", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := unhex(t, c.hex)
			_, err := NewReader(bytes.NewReader(b), DefaultMaxFrameLength).ReadFrame()
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("got %v, want a *DecodeError", err)
			}
			if de.TooLarge != c.tooLarge {
				t.Fatalf("TooLarge = %v, want %v (%v)", de.TooLarge, c.tooLarge, err)
			}
		})
	}
}

// The cap is checked before the payload is allocated: a 4 GiB length with no payload fails at once.
func TestCapBeforeAllocation(t *testing.T) {
	r := NewReader(bytes.NewReader(unhex(t, "ff ff ff ff 03")), 64)
	_, err := r.ReadFrame()
	var de *DecodeError
	if !errors.As(err, &de) || !de.TooLarge {
		t.Fatalf("got %v, want FRAME_TOO_LARGE", err)
	}
}

func TestTruncatedStream(t *testing.T) {
	full := unhex(t, specExamples[0].hex)
	for cut := 1; cut < len(full); cut++ {
		_, err := NewReader(bytes.NewReader(full[:cut]), DefaultMaxFrameLength).ReadFrame()
		if !errors.Is(err, ErrTruncated) {
			t.Fatalf("cut at %d: %v, want ErrTruncated", cut, err)
		}
	}
}

func TestEncodeRefusesWhatCannotBeDecoded(t *testing.T) {
	bad := []Frame{
		&Migrate{MigrationID: 1, Targets: nil},
		&Goodbye{Text: string([]byte{0xff})},
		&Done{RequestID: 1, Flags: DoneFinal, RowCount: 1 << 63},
	}
	for _, f := range bad {
		if _, err := Encode(f); err == nil {
			t.Errorf("%#v encoded", f)
		}
	}
}

// A released reader reads nothing more, and its buffer, reused by the next reader, carries none of
// the bytes the first one had buffered but not yet returned.
func TestReleasedBufferCarriesNothingOver(t *testing.T) {
	ping := unhex(t, specExamples[0].hex)
	done := unhex(t, specExamples[1].hex)
	for i := 0; i < 50; i++ {
		first := NewReader(bytes.NewReader(append(append([]byte(nil), ping...), ping...)), DefaultMaxFrameLength)
		if _, err := first.ReadFrame(); err != nil {
			t.Fatal(err)
		}
		first.Release() // the second PING is still buffered
		first.Release() // twice is harmless
		if _, err := first.ReadFrame(); !errors.Is(err, ErrReleased) {
			t.Fatalf("read after Release: %v, want ErrReleased", err)
		}
		second := NewReader(bytes.NewReader(done), DefaultMaxFrameLength)
		f, err := second.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(f, specExamples[1].frame) {
			t.Fatalf("second reader read %#v, want %#v", f, specExamples[1].frame)
		}
		if _, err := second.ReadFrame(); err != io.EOF {
			t.Fatalf("second reader after its only frame: %v, want io.EOF", err)
		}
		second.Release()
	}
}
