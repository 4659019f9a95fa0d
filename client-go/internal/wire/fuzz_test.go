package wire

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
)

// FuzzDecodeFrame feeds arbitrary bytes to the frame reader: it must never panic, every error is
// a *DecodeError, ErrTruncated or io.EOF, and whatever decodes re-encodes to the same bytes.
func FuzzDecodeFrame(f *testing.F) {
	for _, ex := range specExamples {
		f.Add(unhex(f, ex.hex))
	}
	for _, fr := range allFrames() {
		b, err := Encode(fr)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 3})
	f.Add([]byte{0, 0, 0, 5, 0x0b, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), 4096)
		consumed := 0
		for {
			fr, err := r.ReadFrame()
			if err != nil {
				var de *DecodeError
				if !errors.As(err, &de) && !errors.Is(err, ErrTruncated) && err != io.EOF {
					t.Fatalf("unexpected error type %T: %v", err, err)
				}
				return
			}
			enc, err := Encode(fr)
			if err != nil {
				t.Fatalf("decoded %#v does not encode: %v", fr, err)
			}
			if !bytes.Equal(enc, data[consumed:consumed+len(enc)]) {
				t.Fatalf("re-encoding differs: % x vs % x", enc, data[consumed:consumed+len(enc)])
			}
			back, err := Decode(enc, 4096)
			if err != nil || !reflect.DeepEqual(back, fr) {
				t.Fatalf("decode(encode(f)) = %#v, %v; want %#v", back, err, fr)
			}
			consumed += len(enc)
		}
	})
}
