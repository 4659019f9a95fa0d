package ferry

import (
	"crypto/tls"
	"time"

	"ferry.dev/client-go/internal/wire"
)

// Options configure a session. The zero value of a field means its default; Dial copies the
// options, so changing them afterwards changes nothing.
type Options struct {
	// ReadAhead keeps reading the session's connection while it is idle, so a MIGRATE is seen at
	// once and the session moves proactively. Without it the connection is read only while a
	// request is outstanding or a migration is under way, and a MIGRATE sent to an idle session
	// is seen when the next command is sent. Default true (set with WithReadAhead).
	ReadAhead bool

	// TLS, if not nil, is used for every connection: the service address, migration targets and
	// the fallback. When its ServerName is empty, the host of each address is used.
	TLS *tls.Config

	// ClientName is sent in HELLO for the server's logs. Default "ferry-go".
	ClientName string

	// ConnectTimeout bounds a TCP connect (with the TLS handshake) and the wait for WELCOME after
	// HELLO or RESUME. Default 5 s.
	ConnectTimeout time.Duration

	// MaxFrameLength caps the length field of a frame read from a server. Default 1 MiB.
	MaxFrameLength int

	// ResumeAttempts is the number of passes over the resume paths (the MIGRATE targets, then
	// the service address) before a migration counts as failed. Default 3.
	ResumeAttempts int

	// ResumeBackoff is the pause between two passes, times the pass number; it is also where a
	// CLAIM_PENDING pause starts. Default 100 ms.
	ResumeBackoff time.Duration

	// ClaimWait is how long a resume keeps asking a server that answers CLAIM_PENDING before that
	// path counts as failed. Default 15 s.
	ClaimWait time.Duration

	// OnMigration, if not nil, is called after each completed migration. It runs on the session's
	// internal goroutine: it must return quickly and must not call the session's methods that
	// wait (Execute, Query, Close).
	OnMigration func(MigrationEvent)

	// Logf, if not nil, receives the session's debug log lines (resume attempts, migrations).
	Logf func(format string, args ...any)

	readAheadSet bool
}

// MigrationEvent describes one completed migration.
type MigrationEvent struct {
	SessionID   string
	MigrationID uint32
	FromServer  string
	FromAddress string
	ToServer    string
	ToAddress   string
	// Pause runs from reading MIGRATE to reading WELCOME(resumed) on the target.
	Pause time.Duration
}

// Option changes Options.
type Option func(*Options)

// WithReadAhead sets Options.ReadAhead.
func WithReadAhead(on bool) Option {
	return func(o *Options) { o.ReadAhead = on; o.readAheadSet = true }
}

// WithTLS sets Options.TLS.
func WithTLS(c *tls.Config) Option { return func(o *Options) { o.TLS = c } }

// WithClientName sets Options.ClientName.
func WithClientName(name string) Option { return func(o *Options) { o.ClientName = name } }

// WithConnectTimeout sets Options.ConnectTimeout.
func WithConnectTimeout(d time.Duration) Option { return func(o *Options) { o.ConnectTimeout = d } }

// WithMaxFrameLength sets Options.MaxFrameLength.
func WithMaxFrameLength(n int) Option { return func(o *Options) { o.MaxFrameLength = n } }

// WithResumeAttempts sets Options.ResumeAttempts.
func WithResumeAttempts(n int) Option { return func(o *Options) { o.ResumeAttempts = n } }

// WithResumeBackoff sets Options.ResumeBackoff.
func WithResumeBackoff(d time.Duration) Option { return func(o *Options) { o.ResumeBackoff = d } }

// WithClaimWait sets Options.ClaimWait.
func WithClaimWait(d time.Duration) Option { return func(o *Options) { o.ClaimWait = d } }

// WithMigrationListener sets Options.OnMigration.
func WithMigrationListener(f func(MigrationEvent)) Option {
	return func(o *Options) { o.OnMigration = f }
}

// WithLogf sets Options.Logf.
func WithLogf(f func(format string, args ...any)) Option { return func(o *Options) { o.Logf = f } }

// WithOptions replaces every option with o (fields left zero take their defaults; ReadAhead is
// taken as given).
func WithOptions(o Options) Option {
	return func(dst *Options) { *dst = o; dst.readAheadSet = true }
}

func buildOptions(opts []Option) Options {
	var o Options
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	if !o.readAheadSet {
		o.ReadAhead = true
	}
	if o.ClientName == "" {
		o.ClientName = "ferry-go"
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 5 * time.Second
	}
	if o.MaxFrameLength <= 0 {
		o.MaxFrameLength = wire.DefaultMaxFrameLength
	}
	if o.MaxFrameLength < 64 {
		o.MaxFrameLength = 64
	}
	if o.ResumeAttempts <= 0 {
		o.ResumeAttempts = 3
	}
	if o.ResumeBackoff <= 0 {
		o.ResumeBackoff = 100 * time.Millisecond
	}
	if o.ClaimWait <= 0 {
		o.ClaimWait = 15 * time.Second
	}
	if o.TLS != nil {
		o.TLS = o.TLS.Clone()
	}
	o.readAheadSet = true
	return o
}
