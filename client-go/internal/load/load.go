// Package load opens many idle sessions, waits for them to be migrated (by a drain someone
// else triggers) and summarises the migration pauses: the Go counterpart of the Java client's
// migration-pause measurement.
package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"ferry.dev/client-go/ferry"
)

// Config of a run.
type Config struct {
	Address string
	// Sessions to open.
	Sessions int
	// Migrations each session must complete before the run ends (default 1).
	Migrations int
	// DialConcurrency bounds how many sessions open at once (default 16).
	DialConcurrency int
	// Verify runs PING on every session after the wait, to check it still works.
	Verify bool
	// Options for every session (read mode, TLS, ...).
	Options []ferry.Option
	// Ready is called once every session is open (the caller triggers the drain then).
	Ready func(opened int)
}

// Pauses summarises migration pauses, in milliseconds.
type Pauses struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50Millis"`
	P90   float64 `json:"p90Millis"`
	P99   float64 `json:"p99Millis"`
	Max   float64 `json:"maxMillis"`
	Mean  float64 `json:"meanMillis"`
}

// Summary of a run.
type Summary struct {
	Client         string         `json:"client"`
	Address        string         `json:"address"`
	Sessions       int            `json:"sessions"`
	Opened         int            `json:"opened"`
	Migrated       int            `json:"migrated"`
	Migrations     int            `json:"migrations"`
	SessionsFailed int            `json:"sessionsFailed"`
	VerifyFailed   int            `json:"verifyFailed"`
	Pause          Pauses         `json:"pause"`
	ToServers      map[string]int `json:"toServers"`
	Errors         map[string]int `json:"errors,omitempty"`
	OpenMillis     float64        `json:"openMillis"`
	WaitMillis     float64        `json:"waitMillis"`
	TimedOut       bool           `json:"timedOut"`
}

// Summarise computes the pause summary of ds.
func Summarise(ds []time.Duration) Pauses {
	if len(ds) == 0 {
		return Pauses{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Microsecond)) / 1000 }
	rank := func(p float64) time.Duration { // nearest rank
		i := int(math.Ceil(p*float64(len(s)))) - 1
		if i < 0 {
			i = 0
		}
		return s[i]
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return Pauses{Count: len(s), P50: ms(rank(0.50)), P90: ms(rank(0.90)), P99: ms(rank(0.99)), Max: ms(s[len(s)-1]), Mean: ms(sum / time.Duration(len(s)))}
}

// Run opens the sessions, calls Ready, waits until each has completed cfg.Migrations
// migrations (or ctx ends), and closes them.
func Run(ctx context.Context, cfg Config) Summary {
	if cfg.Migrations <= 0 {
		cfg.Migrations = 1
	}
	if cfg.DialConcurrency <= 0 {
		cfg.DialConcurrency = 16
	}
	sum := Summary{Client: "go", Address: cfg.Address, Sessions: cfg.Sessions, ToServers: map[string]int{}, Errors: map[string]int{}}
	var mu sync.Mutex
	var pauses []time.Duration
	progress := make(chan struct{}, 1)
	opts := append(append([]ferry.Option(nil), cfg.Options...), ferry.WithMigrationListener(func(e ferry.MigrationEvent) {
		mu.Lock()
		pauses = append(pauses, e.Pause)
		sum.ToServers[e.ToServer]++
		mu.Unlock()
		select {
		case progress <- struct{}{}:
		default:
		}
	}))
	fail := func(err error) {
		mu.Lock()
		sum.Errors[kind(err)]++
		mu.Unlock()
	}

	began := time.Now()
	sessions := make([]*ferry.Session, cfg.Sessions)
	sem := make(chan struct{}, cfg.DialConcurrency)
	var wg sync.WaitGroup
	for i := range sessions {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			s, err := ferry.Dial(ctx, cfg.Address, opts...)
			if err != nil {
				fail(err)
				return
			}
			sessions[i] = s
		}(i)
	}
	wg.Wait()
	var open []*ferry.Session
	for _, s := range sessions {
		if s != nil {
			open = append(open, s)
		}
	}
	defer func() {
		for _, s := range open {
			s.Close()
		}
	}()
	sum.Opened = len(open)
	sum.OpenMillis = float64(time.Since(began).Microseconds()) / 1000
	if cfg.Ready != nil {
		cfg.Ready(len(open))
	}

	waitStart := time.Now()
	for {
		done, ended := 0, 0
		for _, s := range open {
			switch {
			case s.Migrations() >= cfg.Migrations:
				done++
			case !s.Open():
				ended++
			}
		}
		if done+ended == len(open) {
			break
		}
		select {
		case <-progress:
		case <-ctx.Done():
			sum.TimedOut = true
		case <-time.After(200 * time.Millisecond):
			// Sessions that end without a migration send no event: look again.
		}
		if sum.TimedOut {
			break
		}
	}
	sum.WaitMillis = float64(time.Since(waitStart).Microseconds()) / 1000
	for _, s := range open {
		if s.Migrations() >= cfg.Migrations {
			sum.Migrated++
		}
		sum.Migrations += s.Migrations()
		if !s.Open() {
			sum.SessionsFailed++
			fail(s.Err())
		}
	}
	if cfg.Verify {
		vctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var vwg sync.WaitGroup
		for _, s := range open {
			if !s.Open() {
				continue
			}
			vwg.Add(1)
			sem <- struct{}{}
			go func(s *ferry.Session) {
				defer vwg.Done()
				defer func() { <-sem }()
				if _, err := s.Execute(vctx, "PING"); err != nil {
					mu.Lock()
					sum.VerifyFailed++
					mu.Unlock()
					fail(err)
				}
			}(s)
		}
		vwg.Wait()
	}
	mu.Lock()
	sum.Pause = Summarise(pauses)
	mu.Unlock()
	if len(sum.Errors) == 0 {
		sum.Errors = nil
	}
	return sum
}

func kind(err error) string {
	for _, k := range []struct {
		e    error
		name string
	}{
		{ferry.ErrSessionExpired, "SESSION_EXPIRED"}, {ferry.ErrBadToken, "BAD_TOKEN"},
		{ferry.ErrNotServing, "NOT_SERVING"}, {ferry.ErrServerFull, "SERVER_FULL"},
		{ferry.ErrProtocol, "PROTOCOL_ERROR"}, {ferry.ErrSessionEnded, "SESSION_ENDED"},
		{ferry.ErrAlreadyClaimed, "ALREADY_CLAIMED"}, {ferry.ErrConnectionFailed, "CONNECTION_FAILED"},
		{ferry.ErrConnectionLost, "CONNECTION_LOST"}, {ferry.ErrCommandFailed, "COMMAND_FAILED"},
		{ferry.ErrCancelled, "CANCELLED"}, {context.DeadlineExceeded, "TIMEOUT"},
	} {
		if errors.Is(err, k.e) {
			return k.name
		}
	}
	return fmt.Sprintf("OTHER(%v)", err)
}
