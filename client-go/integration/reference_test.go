// Package integration runs the Go client against the real reference server (the Java server
// SDK's reference application) and a real redis-server, on 127.0.0.1.
//
// It needs FERRY_REFERENCE_CLASSPATH (the reference server's class path) and FERRY_JAVA (a Java
// 21+ binary); FERRY_REDIS_SERVER defaults to redis-server on PATH. scripts/test-go.sh at the
// top of the repository builds the server and sets them. Without them the tests fail, unless
// `go test -short` is used, which skips this tier on purpose.
package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ferry.dev/client-go/ferry"
	"ferry.dev/client-go/internal/load"
)

const (
	adminToken = "go-integration-token"
	startLimit = 90 * time.Second
	stepLimit  = 30 * time.Second
)

type tools struct {
	java, classpath, redis string
}

func requireTools(t *testing.T) tools {
	t.Helper()
	tl := tools{java: os.Getenv("FERRY_JAVA"), classpath: os.Getenv("FERRY_REFERENCE_CLASSPATH"), redis: os.Getenv("FERRY_REDIS_SERVER")}
	if tl.redis == "" {
		if p, err := exec.LookPath("redis-server"); err == nil {
			tl.redis = p
		}
	}
	var missing []string
	if tl.java == "" {
		missing = append(missing, "FERRY_JAVA (a Java 21+ binary)")
	}
	if tl.classpath == "" {
		missing = append(missing, "FERRY_REFERENCE_CLASSPATH (the reference server's class path)")
	}
	if tl.redis == "" {
		missing = append(missing, "FERRY_REDIS_SERVER (redis-server is not on PATH)")
	}
	if len(missing) > 0 {
		msg := "the integration tier against the real reference server needs " + strings.Join(missing, ", ") +
			"; run scripts/test-go.sh from the repository's top directory, which builds the server and sets them" +
			" (or set them yourself), or run `go test -short` to skip this tier"
		if testing.Short() {
			t.Skip("-short: " + msg)
		}
		t.Fatal(msg)
	}
	return tl
}

// proc is a child process whose output is kept for the test's log.
type proc struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

// launch runs cmd and returns once a line of its output matches ready (the match is
// returned). It does not fail the test itself, so goroutines other than the test's may call it;
// the process is killed and reaped at the test's cleanup either way.
func launch(t *testing.T, name string, cmd *exec.Cmd, ready *regexp.Regexp) ([]string, error) {
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	waited := make(chan struct{})
	go func() { cmd.Wait(); pw.Close(); close(waited) }()
	found := make(chan []string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.out.WriteString(line + "\n")
			p.mu.Unlock()
			if m := ready.FindStringSubmatch(line); m != nil {
				select {
				case found <- m:
				default:
				}
			}
		}
		io.Copy(io.Discard, pr)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-waited
		<-p.done
		if t.Failed() {
			t.Logf("---- output of %s ----\n%s", name, p.output())
		}
	})
	select {
	case m := <-found:
		return m, nil
	case <-waited:
		<-p.done
		return nil, fmt.Errorf("%s exited before it was ready:\n%s", name, p.output())
	case <-time.After(startLimit):
		return nil, fmt.Errorf("%s not ready within %v:\n%s", name, startLimit, p.output())
	}
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func startRedis(t *testing.T, tl tools) string {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(tl.redis, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no")
	if _, err := launch(t, "redis-server", cmd, regexp.MustCompile(`Ready to accept connections`)); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("redis://127.0.0.1:%d", port)
}

// redisFlushAll empties the store (RESP over a plain connection).
func redisFlushAll(t *testing.T, store string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(store, "redis://"), stepLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(stepLimit))
	if _, err := io.WriteString(c, "*1\r\n$8\r\nFLUSHALL\r\n"); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "+OK\r\n" {
		t.Fatalf("FLUSHALL: %q %v", line, err)
	}
}

// resp sends one command in RESP and reads its reply (an array is read element by element).
func resp(t *testing.T, c net.Conn, rd *bufio.Reader, args ...string) []string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	c.SetDeadline(time.Now().Add(stepLimit))
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatal(err)
	}
	reply, err := readReply(rd)
	if err != nil {
		t.Fatalf("redis %v: %v", args, err)
	}
	return reply
}

// readReply reads one RESP reply: a simple string, error, integer, bulk string, or an array of them.
func readReply(rd *bufio.Reader) ([]string, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty reply line")
	}
	switch line[0] {
	case '+', ':':
		return []string{line[1:]}, nil
	case '-':
		return nil, errors.New(line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return []string{""}, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(rd, buf); err != nil {
			return nil, err
		}
		return []string{string(buf[:n])}, nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return nil, err
		}
		var out []string
		for i := 0; i < n; i++ {
			el, err := readReply(rd)
			if err != nil {
				return nil, err
			}
			out = append(out, el...)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected reply %q", line)
}

// watchKeys turns on keyspace notifications and delivers the first event on a key matching
// pattern (as "key event"); the subscription is in place when it returns.
func watchKeys(t *testing.T, store, pattern string) <-chan string {
	t.Helper()
	addr := strings.TrimPrefix(store, "redis://")
	cfg, err := net.DialTimeout("tcp", addr, stepLimit)
	if err != nil {
		t.Fatal(err)
	}
	defer cfg.Close()
	resp(t, cfg, bufio.NewReader(cfg), "CONFIG", "SET", "notify-keyspace-events", "KA")
	sub, err := net.DialTimeout("tcp", addr, stepLimit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	rd := bufio.NewReader(sub)
	resp(t, sub, rd, "PSUBSCRIBE", "__keyspace@0__:"+pattern)
	events := make(chan string, 1)
	go func() {
		sub.SetReadDeadline(time.Now().Add(2 * stepLimit))
		msg, err := readReply(rd)
		if err == nil && len(msg) == 4 && msg[0] == "pmessage" {
			events <- strings.TrimPrefix(msg[2], "__keyspace@0__:") + " " + msg[3]
		}
	}()
	return events
}

type server struct {
	name, address, admin string
}

// startServer starts a reference server on ephemeral loopback ports with store as its context
// store; safe to call from any goroutine (see launch).
func startServer(t *testing.T, tl tools, name, store string, extraEnv ...string) (server, error) {
	cmd := exec.Command(tl.java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", tl.classpath, "dev.ferry.reference.ReferenceServer")
	cmd.Env = append(os.Environ(),
		"FERRY_SERVER_NAME="+name, "FERRY_BIND=127.0.0.1", "FERRY_PORT=0", "FERRY_ADMIN_PORT=0",
		"FERRY_ADMIN_TOKEN="+adminToken, "FERRY_STORE_URI="+store, "FERRY_PEERS=")
	cmd.Env = append(cmd.Env, extraEnv...)
	m, err := launch(t, "reference server "+name, cmd, regexp.MustCompile(`FERRY READY name=(\S+) address=(\S+) admin=(\S+)`))
	if err != nil {
		return server{}, err
	}
	return server{name: m[1], address: m[2], admin: m[3]}, nil
}

func admin(t *testing.T, s server, method, path, body string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), stepLimit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, "http://"+s.admin+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s on %s: %s: %s", method, path, s.name, resp.Status, b)
	}
	return string(b)
}

func migrateSession(t *testing.T, from, to server, sessionID string) {
	t.Helper()
	admin(t, from, "POST", "/v1/migrate", fmt.Sprintf(`{"sessions":[%q],"targets":[%q]}`, sessionID, to.address))
}

type fleet struct {
	a, b     server
	migrated chan ferry.MigrationEvent
}

func dial(t *testing.T, f *fleet, addr string, opts ...ferry.Option) *ferry.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), stepLimit)
	defer cancel()
	opts = append([]ferry.Option{
		ferry.WithMigrationListener(func(e ferry.MigrationEvent) { f.migrated <- e }),
		ferry.WithLogf(func(format string, args ...any) { t.Logf(format, args...) }),
	}, opts...)
	s, err := ferry.Dial(ctx, addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		<-s.Done()
	})
	return s
}

func exec1(t *testing.T, s *ferry.Session, command string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), stepLimit)
	defer cancel()
	res, err := s.Execute(ctx, command)
	if err != nil {
		t.Fatalf("%s: %v", command, err)
	}
	if len(res.Rows) == 0 {
		return ""
	}
	return res.Rows[0].String()
}

func waitMigration(t *testing.T, f *fleet) ferry.MigrationEvent {
	t.Helper()
	select {
	case e := <-f.migrated:
		return e
	case <-time.After(stepLimit):
		t.Fatal("no migration")
		return ferry.MigrationEvent{}
	}
}

func TestReferenceServer(t *testing.T) {
	tl := requireTools(t)
	store := startRedis(t, tl)
	f := &fleet{migrated: make(chan ferry.MigrationEvent, 16)}
	var wg sync.WaitGroup
	wg.Add(2)
	// The two JVMs start side by side.
	var a, b server
	var errA, errB error
	go func() {
		defer wg.Done()
		a, errA = startServer(t, tl, "go-it-a", store)
	}()
	go func() {
		defer wg.Done()
		b, errB = startServer(t, tl, "go-it-b", store)
	}()
	wg.Wait()
	if err := errors.Join(errA, errB); err != nil {
		t.Fatalf("starting the servers: %v", err)
	}
	f.a, f.b = a, b

	t.Run("commands", func(t *testing.T) {
		s := dial(t, f, a.address)
		if s.Server() != a.name {
			t.Fatalf("server %s", s.Server())
		}
		if got := exec1(t, s, "PING"); got != "PONG" {
			t.Fatalf("PING: %q", got)
		}
		if got := exec1(t, s, "ECHO hello ferry"); got != "hello ferry" {
			t.Fatalf("ECHO: %q", got)
		}
		ctx, cancel := context.WithTimeout(context.Background(), stepLimit)
		defer cancel()
		res, err := s.Execute(ctx, "STREAM 1000")
		if err != nil || len(res.Rows) != 1000 || res.RowCount != 1000 || res.Rows[999].String() != "999" {
			t.Fatalf("STREAM: %v", err)
		}
		_, err = s.Execute(ctx, "NO-SUCH-COMMAND")
		var ce *ferry.CommandError
		if !errors.Is(err, ferry.ErrCommandFailed) || !errors.As(err, &ce) || !strings.Contains(ce.Text, "unknown command") {
			t.Fatalf("unknown command: %v", err)
		}
		// A context that ends cancels the command with ATTENTION; the session goes on.
		short, cancelShort := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancelShort()
		began := time.Now()
		_, err = s.Execute(short, "SLEEP 20000")
		if !errors.Is(err, ferry.ErrCancelled) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("SLEEP with a 300 ms context: %v", err)
		}
		if got := exec1(t, s, "PING"); got != "PONG" || time.Since(began) > 10*time.Second {
			t.Fatalf("PING after the cancel: %q after %v", got, time.Since(began))
		}
	})

	t.Run("idle migration, read-ahead", func(t *testing.T) {
		s := dial(t, f, a.address)
		exec1(t, s, "SET colour blue")
		migrateSession(t, a, b, s.ID())
		e := waitMigration(t, f) // no command: the session moves on its own
		if e.ToServer != b.name || s.Server() != b.name || s.Migrations() != 1 {
			t.Fatalf("event %+v, server %s", e, s.Server())
		}
		if got := exec1(t, s, "GET colour"); got != "blue" {
			t.Fatalf("GET after the move: %q", got)
		}
		t.Logf("pause %v", s.LastMigrationPause())
	})

	t.Run("idle migration, lazy", func(t *testing.T) {
		s := dial(t, f, b.address, ferry.WithReadAhead(false))
		exec1(t, s, "SET n 41")
		migrateSession(t, b, a, s.ID())
		// Nothing is read while idle; the next command finds the MIGRATE, is deferred, and runs on a.
		if got := exec1(t, s, "INCR n"); got != "42" {
			t.Fatalf("INCR: %q", got)
		}
		if s.Server() != a.name || s.Migrations() != 1 {
			t.Fatalf("server %s migrations %d", s.Server(), s.Migrations())
		}
		waitMigration(t, f)
	})

	t.Run("in-batch stream", func(t *testing.T) {
		s := dial(t, f, a.address)
		ctx, cancel := context.WithTimeout(context.Background(), stepLimit)
		defer cancel()
		rows, err := s.Query(ctx, "STREAM 200 5")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			if rows.Row().String() != strconv.Itoa(n) || rows.Row().Seq != uint64(n) {
				t.Fatalf("row %d is %q (seq %d)", n, rows.Row().String(), rows.Row().Seq)
			}
			n++
			if n == 20 {
				migrateSession(t, a, b, s.ID())
			}
		}
		if rows.Err() != nil || n != 200 || rows.RowCount() != 200 {
			t.Fatalf("%d rows, rowCount %d: %v", n, rows.RowCount(), rows.Err())
		}
		if s.Migrations() != 1 || s.Server() != b.name {
			t.Fatalf("migrations %d server %s", s.Migrations(), s.Server())
		}
		waitMigration(t, f)
	})

	t.Run("attention during a migrating sleep", func(t *testing.T) {
		s := dial(t, f, b.address)
		ctx, cancel := context.WithTimeout(context.Background(), stepLimit)
		defer cancel()
		rows, err := s.Query(ctx, "SLEEP 20000")
		if err != nil {
			t.Fatal(err)
		}
		migrateSession(t, b, a, s.ID())
		waitMigration(t, f)
		rows.Cancel()
		if rows.Next() || !errors.Is(rows.Err(), ferry.ErrCancelled) {
			t.Fatalf("after the cancel: %v", rows.Err())
		}
		if got := exec1(t, s, "PING"); got != "PONG" || s.Server() != a.name {
			t.Fatalf("PING: %q on %s", got, s.Server())
		}
	})

	t.Run("attention while the migration is under way", func(t *testing.T) {
		// The first target is a listener that takes the RESUME and never answers: the user
		// cancels while the session waits on it, then it closes; the RESUME to b carries the
		// attention and b answers with the attention DONE instead of continuing the STREAM.
		hole, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer hole.Close()
		s := dial(t, f, a.address)
		ctx, cancel := context.WithTimeout(context.Background(), stepLimit)
		defer cancel()
		rows, err := s.Query(ctx, "STREAM 2 20000")
		if err != nil {
			t.Fatal(err)
		}
		// The migration must find the STREAM running (and carry it in-batch): asked before the
		// COMMAND reached the server, it would export the idle session and the STREAM would be
		// DEFERRED. Its first row comes at once and says it runs; the second waits 20 s.
		if !rows.Next() || rows.Row().String() != "0" {
			t.Fatalf("the STREAM's first row: %v", rows.Err())
		}
		admin(t, a, "POST", "/v1/migrate", fmt.Sprintf(`{"sessions":[%q],"targets":[%q,%q]}`, s.ID(), hole.Addr().String(), b.address))
		hole.(*net.TCPListener).SetDeadline(time.Now().Add(stepLimit))
		hc, err := hole.Accept()
		if err != nil {
			t.Fatal(err)
		}
		hc.SetReadDeadline(time.Now().Add(stepLimit))
		if _, err := io.ReadFull(hc, make([]byte, 5)); err != nil { // the RESUME's header: it was sent
			t.Fatal(err)
		}
		began := time.Now()
		rows.Cancel()
		hc.Close()
		if rows.Next() || !errors.Is(rows.Err(), ferry.ErrCancelled) {
			t.Fatalf("after the cancel: %v", rows.Err())
		}
		if time.Since(began) > 10*time.Second || s.Server() != b.name || s.Migrations() != 1 {
			t.Fatalf("cancelled after %v, on %s, %d migrations", time.Since(began), s.Server(), s.Migrations())
		}
		waitMigration(t, f)
		if got := exec1(t, s, "PING"); got != "PONG" {
			t.Fatalf("PING: %q", got)
		}
	})

	t.Run("session expired", func(t *testing.T) {
		// A lazy session is asked to move while idle; its exported context then vanishes from
		// the store. The next command finds the MIGRATE, and the target answers SESSION_EXPIRED.
		s := dial(t, f, b.address, ferry.WithReadAhead(false))
		exec1(t, s, "SET x 1")
		// The export is asynchronous to the admin call: wait for the store to tell that the
		// session's key was written (keyspace notifications), then empty the store.
		exported := watchKeys(t, store, "*"+s.ID()+"*")
		migrateSession(t, b, a, s.ID())
		select {
		case ev := <-exported:
			t.Logf("store: %s", ev)
		case <-time.After(stepLimit):
			t.Fatal("the session's context was not exported")
		}
		redisFlushAll(t, store)
		ctx, cancel := context.WithTimeout(context.Background(), stepLimit)
		defer cancel()
		_, err := s.Execute(ctx, "GET x")
		var se *ferry.ServerError
		if !errors.Is(err, ferry.ErrSessionExpired) || !errors.As(err, &se) || se.Code != ferry.CodeSessionExpired {
			t.Fatalf("got %v", err)
		}
		<-s.Done()
		if !errors.Is(s.Err(), ferry.ErrSessionExpired) {
			t.Fatal(s.Err())
		}
	})

	t.Run("shutdown with migration disabled", func(t *testing.T) {
		d, err := startServer(t, tl, "go-it-d", store, "FERRY_IDLE_MIGRATION_TIMER=0", "FERRY_SESSION_IDLE_TIMER=0")
		if err != nil {
			t.Fatal(err)
		}
		s := dial(t, f, d.address)
		exec1(t, s, "PING")
		admin(t, d, "POST", "/v1/drain", fmt.Sprintf(`{"targets":[%q],"ratePerSecond":0}`, b.address))
		select {
		case <-s.Done():
		case <-time.After(stepLimit):
			t.Fatal("the session did not end")
		}
		if !errors.Is(s.Err(), ferry.ErrSessionEnded) || s.Migrations() != 0 {
			t.Fatalf("Err %v, migrations %d", s.Err(), s.Migrations())
		}
	})

	t.Run("conformance driver", func(t *testing.T) {
		d := startDriver(t)
		d.call(`{"id":1,"op":"hello"}`, `"client":"go"`)
		d.call(fmt.Sprintf(`{"id":2,"op":"connect","session":"c1","address":%q,"timeoutMs":10000}`, b.address), fmt.Sprintf(`"server":%q`, b.name))
		d.call(`{"id":3,"op":"execute","session":"c1","command":"SET k v","timeoutMs":10000}`, `"rows":["OK"]`)
		d.call(`{"id":4,"op":"start","session":"c1","request":"r1","command":"STREAM 100 5"}`, `"ok":true`)
		d.call(`{"id":5,"op":"read","request":"r1","rows":1,"timeoutMs":10000}`, `"rows":["0"]`)
		st := d.call(`{"id":6,"op":"status","session":"c1"}`, `"migrations":0`)
		id, _ := st["sessionId"].(string)
		migrateSession(t, b, a, id)
		d.call(`{"id":7,"op":"awaitMigrations","session":"c1","count":1,"timeoutMs":20000}`, fmt.Sprintf(`"server":%q`, a.name))
		fin := d.call(`{"id":8,"op":"finish","request":"r1","timeoutMs":20000}`, `"rowCount":100`)
		if rows, _ := fin["rows"].([]any); len(rows) != 99 || rows[0] != "1" || rows[98] != "99" {
			t.Fatalf("finish rows %v", fin["rows"])
		}
		d.call(`{"id":9,"op":"execute","session":"c1","command":"GET k","timeoutMs":10000}`, fmt.Sprintf(`"rows":["v"],"server":%q`, a.name))
		d.call(`{"id":10,"op":"start","session":"c1","request":"r2","command":"SLEEP 20000"}`, `"ok":true`)
		d.call(`{"id":11,"op":"cancel","request":"r2"}`, `"ok":true`)
		d.call(`{"id":12,"op":"finish","request":"r2","timeoutMs":10000}`, `"kind":"CANCELLED"`)
		d.call(`{"id":13,"op":"execute","session":"c1","command":"NOPE","timeoutMs":10000}`, `"kind":"COMMAND_FAILED"`)
		d.call(`{"id":14,"op":"close","session":"c1"}`, `"ok":true`)
		d.call(`{"id":15,"op":"quit"}`, `"ok":true`)
		d.waitExit()
	})

	t.Run("drain", func(t *testing.T) {
		s1 := dial(t, f, a.address)
		s2 := dial(t, f, a.address, ferry.WithReadAhead(false))
		exec1(t, s1, "SET k one")
		exec1(t, s2, "SET k two")
		admin(t, a, "POST", "/v1/drain", fmt.Sprintf(`{"targets":[%q],"ratePerSecond":0}`, b.address))
		waitMigration(t, f) // s1, at once
		if got := exec1(t, s1, "GET k"); got != "one" || s1.Server() != b.name {
			t.Fatalf("s1: %q on %s", got, s1.Server())
		}
		if got := exec1(t, s2, "GET k"); got != "two" || s2.Server() != b.name {
			t.Fatalf("s2: %q on %s", got, s2.Server())
		}
		// a is draining: it takes no new sessions.
		ctx, cancel := context.WithTimeout(context.Background(), stepLimit)
		defer cancel()
		_, err := ferry.Dial(ctx, a.address)
		if !errors.Is(err, ferry.ErrNotServing) {
			t.Fatalf("Dial to a draining server: %v", err)
		}
	})

	t.Run("load: drain of idle sessions", func(t *testing.T) {
		c, err := startServer(t, tl, "go-it-c", store)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*stepLimit)
		defer cancel()
		sum := load.Run(ctx, load.Config{
			Address: b.address, Sessions: 50, Verify: true,
			Ready: func(opened int) {
				admin(t, b, "POST", "/v1/drain", fmt.Sprintf(`{"targets":[%q],"ratePerSecond":0}`, c.address))
			},
		})
		t.Logf("summary %+v", sum)
		if sum.Opened != 50 || sum.Migrated != 50 || sum.SessionsFailed != 0 || sum.VerifyFailed != 0 || sum.TimedOut {
			t.Fatalf("summary %+v", sum)
		}
		if sum.Pause.Count != 50 || sum.ToServers[c.name] != 50 || sum.Pause.Max <= 0 {
			t.Fatalf("pauses %+v to %v", sum.Pause, sum.ToServers)
		}
	})
}

// driver is the conformance driver binary, built from this module, run as the harness runs it.
type driver struct {
	t    *testing.T
	in   io.WriteCloser
	out  *bufio.Scanner
	exit chan error
}

func startDriver(t *testing.T) *driver {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "ferry-conformance-driver")
	build := exec.Command(goTool, "build", "-o", bin, "ferry.dev/client-go/cmd/ferry-conformance-driver")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &driver{t: t, in: in, out: bufio.NewScanner(out), exit: make(chan error, 1)}
	d.out.Buffer(make([]byte, 64<<10), 16<<20)
	waited := make(chan struct{})
	go func() { d.exit <- cmd.Wait(); close(waited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-waited
		if t.Failed() {
			t.Logf("---- driver stderr ----\n%s", logs.String())
		}
	})
	return d
}

// call sends one request line and checks that the answer's JSON contains want.
func (d *driver) call(req, want string) map[string]any {
	d.t.Helper()
	if _, err := io.WriteString(d.in, req+"\n"); err != nil {
		d.t.Fatal(err)
	}
	line := make(chan bool, 1)
	go func() { line <- d.out.Scan() }()
	select {
	case ok := <-line:
		if !ok {
			d.t.Fatalf("no answer to %s: %v", req, d.out.Err())
		}
	case <-time.After(2 * stepLimit):
		d.t.Fatalf("no answer to %s within %v", req, 2*stepLimit)
	}
	var m map[string]any
	if err := json.Unmarshal(d.out.Bytes(), &m); err != nil {
		d.t.Fatalf("answer %q: %v", d.out.Bytes(), err)
	}
	canonical, _ := json.Marshal(m)
	if !strings.Contains(string(canonical), want) {
		d.t.Fatalf("answer to %s is %s, want it to contain %s", req, canonical, want)
	}
	return m
}

func (d *driver) waitExit() {
	d.t.Helper()
	select {
	case err := <-d.exit:
		if err != nil {
			d.t.Fatalf("driver exit: %v", err)
		}
	case <-time.After(stepLimit):
		d.t.Fatal("driver did not exit after quit")
	}
}
