// Command ferry-load opens N idle sessions to an address, says so on stderr ("READY n"), waits
// until each has been migrated (a drain the caller triggers, e.g. POST /v1/drain on the
// server's admin API), and prints a JSON summary on stdout: how many moved and the histogram of
// their migration pauses (p50/p90/p99/max in ms, count), the pause being the time from reading
// MIGRATE to reading WELCOME on the target.
//
//	ferry-load -n 500 127.0.0.1:7000
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"ferry.dev/client-go/ferry"
	"ferry.dev/client-go/internal/load"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ferry-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 100, "sessions to open")
	migrations := fs.Int("migrations", 1, "migrations each session must complete")
	timeout := fs.Duration("timeout", 5*time.Minute, "longest wait for the migrations")
	readAhead := fs.Bool("read-ahead", true, "read while idle (false: lazy sessions, which move only when they next send; they never do here)")
	verify := fs.Bool("verify", true, "PING every session after the wait")
	concurrency := fs.Int("dial-concurrency", 16, "sessions opened at once")
	caFile := fs.String("ca", "", "PEM CA file: connect with TLS")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: ferry-load [flags] host:port\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 || *n < 1 {
		fs.Usage()
		return 2
	}
	opts := []ferry.Option{ferry.WithReadAhead(*readAhead), ferry.WithClientName("ferry-go-load")}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			fmt.Fprintf(stderr, "%s holds no PEM certificate\n", *caFile)
			return 2
		}
		opts = append(opts, ferry.WithTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	sum := load.Run(ctx, load.Config{
		Address: fs.Arg(0), Sessions: *n, Migrations: *migrations, DialConcurrency: *concurrency,
		Verify: *verify, Options: opts,
		Ready: func(opened int) { fmt.Fprintf(stderr, "READY %d\n", opened) },
	})
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(sum); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if sum.Opened != sum.Sessions || sum.Migrated != sum.Opened || sum.SessionsFailed > 0 || sum.VerifyFailed > 0 {
		return 1
	}
	return 0
}
