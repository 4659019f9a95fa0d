package ferry

import (
	"crypto/tls"
	"testing"
	"time"
)

func TestOptionDefaults(t *testing.T) {
	o := buildOptions(nil)
	if !o.ReadAhead || o.MaxFrameLength != 1<<20 || o.ClaimWait != 15*time.Second || o.ResumeBackoff != 100*time.Millisecond ||
		o.ResumeAttempts != 3 || o.ConnectTimeout != 5*time.Second || o.ClientName != "ferry-go" || o.TLS != nil {
		t.Fatalf("defaults %+v", o)
	}
	if o := buildOptions([]Option{WithReadAhead(false)}); o.ReadAhead {
		t.Fatal("WithReadAhead(false) ignored")
	}
	if o := buildOptions([]Option{WithOptions(Options{ClientName: "x"})}); o.ReadAhead || o.ClientName != "x" || o.ClaimWait != 15*time.Second {
		t.Fatalf("WithOptions: %+v", o)
	}
	// Dial copies the TLS config: a later change by the caller changes nothing.
	cfg := &tls.Config{ServerName: "a"}
	o = buildOptions([]Option{WithTLS(cfg)})
	cfg.ServerName = "b"
	if o.TLS.ServerName != "a" {
		t.Fatal("TLS config not copied")
	}
}
