package load

import (
	"testing"
	"time"
)

func TestSummarise(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	p := Summarise(ds)
	if p.Count != 100 || p.P50 != 50 || p.P90 != 90 || p.P99 != 99 || p.Max != 100 || p.Mean != 50.5 {
		t.Fatalf("%+v", p)
	}
	if (Summarise(nil) != Pauses{}) {
		t.Fatal("empty")
	}
	if p := Summarise([]time.Duration{1500 * time.Microsecond}); p.P50 != 1.5 || p.P99 != 1.5 || p.Max != 1.5 {
		t.Fatalf("%+v", p)
	}
}
