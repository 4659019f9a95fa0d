package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"ferry.dev/client-go/internal/wire"
)

// echoServer is a minimal server on 127.0.0.1: WELCOME, then every COMMAND "ROWS n" gets n rows
// and a final DONE; "FAIL" gets MESSAGE(error) and DONE(ERROR).
func echoServer(t *testing.T) string {
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
		send := func(f wire.Frame) {
			b, _ := wire.Encode(f)
			c.Write(b)
		}
		for {
			f, err := rd.ReadFrame()
			if err != nil {
				return
			}
			switch f := f.(type) {
			case *wire.Hello:
				send(&wire.Welcome{Version: 1, SessionID: wire.SessionID{1}, ServerName: "echo"})
			case *wire.Command:
				if f.Command == "FAIL" {
					send(&wire.Message{RequestID: f.RequestID, Severity: 2, Text: "it failed"})
					send(&wire.Done{RequestID: f.RequestID, Flags: wire.DoneFinal | wire.DoneError})
					continue
				}
				var n int
				fmt.Sscanf(f.Command, "ROWS %d", &n)
				for i := 0; i < n; i++ {
					send(&wire.Row{RequestID: f.RequestID, Seq: uint64(i), Data: []byte(fmt.Sprint("row", i))})
				}
				send(&wire.Message{RequestID: f.RequestID, Severity: 0, Text: "ok"})
				send(&wire.Done{RequestID: f.RequestID, Flags: wire.DoneFinal, RowCount: uint64(n)})
			case *wire.Goodbye:
				return
			}
		}
	}()
	return ln.Addr().String()
}

func TestDriverProtocol(t *testing.T) {
	addr := echoServer(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	exit := make(chan int, 1)
	go func() { exit <- run(inR, outW, io.Discard); outW.Close() }()
	answers := bufio.NewScanner(outR)
	call := func(req string) map[string]any {
		t.Helper()
		if _, err := io.WriteString(inW, req+"\n"); err != nil {
			t.Fatal(err)
		}
		if !answers.Scan() {
			t.Fatalf("no answer to %s", req)
		}
		var m map[string]any
		if err := json.Unmarshal(answers.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	check := func(m map[string]any, want string) {
		t.Helper()
		b, _ := json.Marshal(m)
		if !strings.Contains(string(b), want) {
			t.Fatalf("answer %s does not contain %s", b, want)
		}
	}
	check(call(`{"id":1,"op":"hello"}`), `"client":"go"`)
	check(call(fmt.Sprintf(`{"id":2,"op":"connect","session":"c1","address":%q,"timeoutMs":5000}`, addr)), `"server":"echo"`)
	check(call(`{"id":3,"op":"execute","session":"c1","command":"ROWS 2","timeoutMs":5000}`), `"rowCount":2,"rows":["row0","row1"],"server":"echo"`)
	check(call(`{"id":4,"op":"execute","session":"c1","command":"FAIL","timeoutMs":5000}`), `"error":{"kind":"COMMAND_FAILED","message":"it failed"}`)
	check(call(`{"id":5,"op":"start","session":"c1","request":"r1","command":"ROWS 3"}`), `"ok":true`)
	check(call(`{"id":6,"op":"read","request":"r1","rows":1,"timeoutMs":5000}`), `"rows":["row0"]`)
	check(call(`{"id":7,"op":"finish","request":"r1","timeoutMs":5000}`), `"done":true,"id":7,"messages":[{"severity":"info","text":"ok"}],"ok":true,"rowCount":3,"rows":["row1","row2"]`)
	check(call(`{"id":8,"op":"status","session":"c1"}`), `"migrations":0,"ok":true,"open":true`)
	check(call(`{"id":9,"op":"nope"}`), `"kind":"BAD_REQUEST"`)
	check(call(`{"id":10,"op":"execute","session":"c1"}`), `"kind":"BAD_REQUEST"`)
	check(call(`{"id":11,"op":"close","session":"c1"}`), `"ok":true`)
	check(call(`{"id":12,"op":"status","session":"c1"}`), `"open":false`)
	check(call(`{"id":13,"op":"quit"}`), `"ok":true`)
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("driver did not exit")
	}
}
