// Command ferry opens a Ferry session and runs commands on it: the ones given as arguments, or
// else one per line from stdin. Rows go to stdout, one per line; server messages, errors and the
// session's migrations go to stderr. Interrupt (Ctrl-C) cancels the running command; a second
// one exits.
//
//	ferry [flags] host:port [command ...]
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"ferry.dev/client-go/ferry"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ferry", flag.ContinueOnError)
	fs.SetOutput(stderr)
	caFile := fs.String("ca", "", "PEM file of the CA that signed the servers' certificates: connect with TLS")
	serverName := fs.String("server-name", "", "TLS server name to verify (default: the host of each address)")
	useTLS := fs.Bool("tls", false, "connect with TLS using the system's trusted CAs (implied by -ca)")
	readAhead := fs.Bool("read-ahead", true, "read while idle, so migrations are followed at once (false: only when a command runs)")
	name := fs.String("name", "ferry-go-cli", "client name sent in HELLO")
	timeout := fs.Duration("timeout", 0, "limit for each command (0: none)")
	connectTimeout := fs.Duration("connect-timeout", 5*time.Second, "limit for connecting and for each resume attempt")
	verbose := fs.Bool("v", false, "log the session's protocol events on stderr")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: ferry [flags] host:port [command ...]\n\nRuns the commands given, or one command per line from stdin.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return 2
	}
	address := fs.Arg(0)
	var errOut sync.Mutex
	logErr := func(format string, args ...any) {
		errOut.Lock()
		fmt.Fprintf(stderr, format+"\n", args...)
		errOut.Unlock()
	}
	opts := []ferry.Option{
		ferry.WithReadAhead(*readAhead),
		ferry.WithClientName(*name),
		ferry.WithConnectTimeout(*connectTimeout),
		ferry.WithMigrationListener(func(e ferry.MigrationEvent) {
			logErr("ferry: migrated from %s (%s) to %s (%s) in %v", e.FromServer, e.FromAddress, e.ToServer, e.ToAddress, e.Pause.Round(time.Microsecond))
		}),
	}
	if *verbose {
		opts = append(opts, ferry.WithLogf(func(format string, args ...any) { logErr("ferry: "+format, args...) }))
	}
	if *caFile != "" || *useTLS || *serverName != "" {
		cfg := &tls.Config{ServerName: *serverName, MinVersion: tls.VersionTLS12}
		if *caFile != "" {
			pem, err := os.ReadFile(*caFile)
			if err != nil {
				logErr("ferry: %v", err)
				return 2
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				logErr("ferry: %s holds no PEM certificate", *caFile)
				return 2
			}
			cfg.RootCAs = pool
		}
		opts = append(opts, ferry.WithTLS(cfg))
	}

	interrupts := make(chan os.Signal, 2)
	signal.Notify(interrupts, os.Interrupt)
	defer signal.Stop(interrupts)
	var mu sync.Mutex
	var cancelCurrent context.CancelFunc
	stopWatch := make(chan struct{})
	defer close(stopWatch)
	go func() {
		for {
			select {
			case <-interrupts:
				mu.Lock()
				c := cancelCurrent
				cancelCurrent = nil
				mu.Unlock()
				if c == nil {
					logErr("ferry: interrupted")
					os.Exit(130)
				}
				c()
			case <-stopWatch:
				return
			}
		}
	}()

	dialCtx, cancelDial := context.WithTimeout(context.Background(), *connectTimeout)
	s, err := ferry.Dial(dialCtx, address, opts...)
	cancelDial()
	if err != nil {
		logErr("%v", err)
		return 1
	}
	defer s.Close()
	logErr("ferry: session %s on %s (%s)", s.ID(), s.Server(), address)

	out := bufio.NewWriter(stdout)
	defer out.Flush()
	failed := false
	runOne := func(command string) bool {
		ctx, cancel := context.WithCancel(context.Background())
		if *timeout > 0 {
			ctx, cancel = context.WithTimeout(context.Background(), *timeout)
		}
		mu.Lock()
		cancelCurrent = cancel
		mu.Unlock()
		defer func() {
			mu.Lock()
			cancelCurrent = nil
			mu.Unlock()
			cancel()
		}()
		rows, err := s.Query(ctx, command)
		if err != nil {
			logErr("%v", err)
			return false
		}
		defer rows.Close()
		for rows.Next() {
			out.Write(rows.Row().Data)
			out.WriteByte('\n')
		}
		out.Flush()
		var ce *ferry.CommandError
		commandFailed := errors.As(rows.Err(), &ce)
		for _, m := range rows.Messages() {
			if commandFailed && m.Severity == ferry.SeverityError {
				continue // printed as the error below
			}
			logErr("[%s] %s", m.Severity, m.Text)
		}
		if err := rows.Err(); err != nil {
			failed = true
			if commandFailed {
				logErr("error: %s", ce.Text)
			} else {
				logErr("%v", err)
			}
			// A failed command goes on to the next; an ended session stops.
			return s.Open()
		}
		return true
	}
	if fs.NArg() > 1 {
		for _, c := range fs.Args()[1:] {
			if !runOne(c) {
				return 1
			}
		}
	} else {
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if !runOne(line) {
				return 1
			}
		}
	}
	if failed {
		return 1
	}
	return 0
}
