package main

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"

	"ferry.dev/client-go/internal/wire"
)

// server answers each COMMAND "ROWS n" with n rows, anything else with an error, on 127.0.0.1.
func server(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	conns := make(chan net.Conn, 1)
	t.Cleanup(func() {
		ln.Close()
		select {
		case c := <-conns:
			c.Close()
		default:
		}
		<-done
	})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		conns <- c
		defer c.Close()
		rd := wire.NewReader(c, wire.DefaultMaxFrameLength)
		send := func(f wire.Frame) { b, _ := wire.Encode(f); c.Write(b) }
		for {
			f, err := rd.ReadFrame()
			if err != nil {
				return
			}
			switch f := f.(type) {
			case *wire.Hello:
				send(&wire.Welcome{Version: 1, SessionID: wire.SessionID{7}, ServerName: "cli-test"})
			case *wire.Command:
				var n int
				if _, err := fmt.Sscanf(f.Command, "ROWS %d", &n); err != nil {
					send(&wire.Message{RequestID: f.RequestID, Severity: 2, Text: "bad command"})
					send(&wire.Done{RequestID: f.RequestID, Flags: wire.DoneFinal | wire.DoneError})
					continue
				}
				for i := 0; i < n; i++ {
					send(&wire.Row{RequestID: f.RequestID, Seq: uint64(i), Data: []byte(fmt.Sprint("r", i))})
				}
				send(&wire.Message{RequestID: f.RequestID, Severity: 1, Text: "note"})
				send(&wire.Done{RequestID: f.RequestID, Flags: wire.DoneFinal, RowCount: uint64(n)})
			case *wire.Goodbye:
				return
			}
		}
	}()
	return ln.Addr().String()
}

func TestCommandsFromArguments(t *testing.T) {
	addr := server(t)
	var out, errOut bytes.Buffer
	code := run([]string{addr, "ROWS 2", "ROWS 1"}, strings.NewReader(""), &out, &errOut)
	if code != 0 || out.String() != "r0\nr1\nr0\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	if !strings.Contains(errOut.String(), "[warning] note") || !strings.Contains(errOut.String(), "on cli-test") {
		t.Fatalf("stderr %q", errOut.String())
	}
}

func TestCommandsFromStdin(t *testing.T) {
	addr := server(t)
	var out, errOut bytes.Buffer
	code := run([]string{"-read-ahead=false", addr}, strings.NewReader("ROWS 1\n\n# comment\nNOPE\nROWS 2\n"), &out, &errOut)
	if code != 1 || out.String() != "r0\nr0\nr1\n" || !strings.Contains(errOut.String(), "error: bad command") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(nil, strings.NewReader(""), &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "usage") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}
