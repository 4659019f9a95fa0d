package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"ferry.dev/client-go/ferry"
)

// Version of the Go client reported by "hello".
const clientVersion = "0.1.0"

const defaultTimeout = 30 * time.Second

type tlsSpec struct {
	CAFile     string `json:"caFile"`
	ServerName string `json:"serverName"`
}

// request is one line of the harness. Pointer fields tell "missing" from zero.
type request struct {
	ID         *int64   `json:"id"`
	Op         string   `json:"op"`
	Session    *string  `json:"session"`
	Address    *string  `json:"address"`
	ReadAhead  *bool    `json:"readAhead"`
	TLS        *tlsSpec `json:"tls"`
	ClientName *string  `json:"clientName"`
	TimeoutMs  *int64   `json:"timeoutMs"`
	Command    *string  `json:"command"`
	Request    *string  `json:"request"`
	Rows       *int     `json:"rows"`
	Count      *int     `json:"count"`
}

type message struct {
	Severity string `json:"severity"`
	Text     string `json:"text"`
}

type failure struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// driverError is an answer with ok:false.
type driverError struct{ kind, msg string }

func (e *driverError) Error() string { return e.kind + ": " + e.msg }

func badRequest(format string, args ...any) error {
	return &driverError{"BAD_REQUEST", fmt.Sprintf(format, args...)}
}

// kindOf maps a client error to the driver protocol's kinds.
func kindOf(err error) string {
	var de *driverError
	switch {
	case errors.As(err, &de):
		return de.kind
	case errors.Is(err, context.DeadlineExceeded):
		return "TIMEOUT"
	case errors.Is(err, ferry.ErrCancelled):
		return "CANCELLED"
	case errors.Is(err, ferry.ErrCommandFailed):
		return "COMMAND_FAILED"
	case errors.Is(err, ferry.ErrSessionExpired):
		return "SESSION_EXPIRED"
	case errors.Is(err, ferry.ErrBadToken):
		return "BAD_TOKEN"
	case errors.Is(err, ferry.ErrNotServing):
		return "NOT_SERVING"
	case errors.Is(err, ferry.ErrServerFull):
		return "SERVER_FULL"
	case errors.Is(err, ferry.ErrUnsupportedVersion):
		return "UNSUPPORTED_VERSION"
	case errors.Is(err, ferry.ErrProtocol):
		return "PROTOCOL_ERROR"
	case errors.Is(err, ferry.ErrSessionEnded), errors.Is(err, ferry.ErrAlreadyClaimed), errors.Is(err, ferry.ErrClosed):
		return "SESSION_ENDED"
	case errors.Is(err, ferry.ErrConnectionFailed):
		return "CONNECTION_FAILED"
	case errors.Is(err, ferry.ErrConnectionLost):
		return "CONNECTION_LOST"
	}
	return "CONNECTION_LOST"
}

func errText(err error) string {
	var ce *ferry.CommandError
	if errors.As(err, &ce) {
		return ce.Text
	}
	return err.Error()
}

// job is a started request (or an execute): queued on its session, run in order.
type job struct {
	name    string
	command string

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change
	rows     []string
	taken    int
	ended    bool
	err      error
	rowCount uint64
	messages []ferry.Message
	cancel   bool
	live     *ferry.Rows
}

func newJob(name, command string) *job {
	return &job{name: name, command: command, changed: make(chan struct{})}
}

func (j *job) signal() {
	close(j.changed)
	j.changed = make(chan struct{})
}

func (j *job) end(err error, rowCount uint64, msgs []ferry.Message) {
	j.mu.Lock()
	j.ended, j.err, j.rowCount, j.messages = true, err, rowCount, msgs
	j.live = nil
	j.signal()
	j.mu.Unlock()
}

// waitFor waits until cond (called with j.mu held) holds, or the deadline passes.
func (j *job) waitFor(ctx context.Context, cond func() bool) bool {
	for {
		j.mu.Lock()
		if cond() {
			return true // j.mu stays held
		}
		ch := j.changed
		j.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			j.mu.Lock()
			if cond() {
				return true
			}
			j.mu.Unlock()
			return false
		}
	}
}

type session struct {
	name  string
	s     *ferry.Session
	queue chan *job
	stop  chan struct{}
	done  chan struct{}

	mu        sync.Mutex
	migrated  chan struct{} // closed and replaced on every migration
	closeOnce sync.Once
}

// work runs the session's jobs one after another, in the order they were started.
func (ss *session) work() {
	defer close(ss.done)
	for {
		var j *job
		select {
		case j = <-ss.queue:
		case <-ss.stop:
			return
		}
		j.mu.Lock()
		cancelled := j.cancel
		j.mu.Unlock()
		if cancelled {
			j.end(fmt.Errorf("%w: cancelled before it was sent", ferry.ErrCancelled), 0, nil)
			continue
		}
		rows, err := ss.s.Query(context.Background(), j.command)
		if err != nil {
			j.end(err, 0, nil)
			continue
		}
		j.mu.Lock()
		j.live = rows
		if j.cancel {
			rows.Cancel()
		}
		j.mu.Unlock()
		for rows.Next() {
			j.mu.Lock()
			j.rows = append(j.rows, rows.Row().String())
			j.signal()
			j.mu.Unlock()
		}
		j.end(rows.Err(), rows.RowCount(), rows.Messages())
	}
}

type driver struct {
	out      *json.Encoder
	log      io.Writer
	sessions map[string]*session
	requests map[string]*job
}

func run(in io.Reader, out io.Writer, logw io.Writer) int {
	d := &driver{out: json.NewEncoder(out), log: logw, sessions: map[string]*session{}, requests: map[string]*job{}}
	defer d.closeAll()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var r request
		if err := json.Unmarshal(line, &r); err != nil {
			d.answer(nil, nil, badRequest("not a JSON object: %v", err))
			continue
		}
		if r.ID == nil {
			d.answer(nil, nil, badRequest("missing id"))
			continue
		}
		if r.Op == "quit" {
			d.answer(r.ID, map[string]any{}, nil)
			return 0
		}
		fields, err := d.handle(&r)
		d.answer(r.ID, fields, err)
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(logw, "driver: reading stdin: %v\n", err)
		return 1
	}
	return 0
}

func (d *driver) answer(id *int64, fields map[string]any, err error) {
	m := map[string]any{}
	for k, v := range fields {
		m[k] = v
	}
	if id != nil {
		m["id"] = *id
	} else {
		m["id"] = nil
	}
	if err != nil {
		m["ok"] = false
		m["error"] = failure{Kind: kindOf(err), Message: errText(err)}
		fmt.Fprintf(d.log, "driver: request %v failed: %v\n", m["id"], err)
	} else {
		m["ok"] = true
	}
	if err := d.out.Encode(m); err != nil {
		fmt.Fprintf(d.log, "driver: writing stdout: %v\n", err)
	}
}

func timeout(r *request) (context.Context, context.CancelFunc) {
	d := defaultTimeout
	if r.TimeoutMs != nil && *r.TimeoutMs > 0 {
		d = time.Duration(*r.TimeoutMs) * time.Millisecond
	}
	return context.WithTimeout(context.Background(), d)
}

func need[T any](p *T, name string) (T, error) {
	if p == nil {
		var zero T
		return zero, badRequest("missing field %q", name)
	}
	return *p, nil
}

func (d *driver) session(r *request) (*session, error) {
	name, err := need(r.Session, "session")
	if err != nil {
		return nil, err
	}
	ss, ok := d.sessions[name]
	if !ok {
		return nil, badRequest("no session %q", name)
	}
	return ss, nil
}

func (d *driver) job(r *request) (*job, error) {
	name, err := need(r.Request, "request")
	if err != nil {
		return nil, err
	}
	j, ok := d.requests[name]
	if !ok {
		return nil, badRequest("no request %q", name)
	}
	return j, nil
}

func (d *driver) handle(r *request) (map[string]any, error) {
	switch r.Op {
	case "hello":
		return map[string]any{"client": "go", "version": clientVersion, "protocolVersion": 1}, nil
	case "connect":
		return d.connect(r)
	case "execute":
		ss, err := d.session(r)
		if err != nil {
			return nil, err
		}
		cmd, err := need(r.Command, "command")
		if err != nil {
			return nil, err
		}
		ctx, cancel := timeout(r)
		defer cancel()
		j := newJob("", cmd)
		if err := ss.submit(ctx, j); err != nil {
			return nil, err
		}
		if !j.waitFor(ctx, func() bool { return j.ended }) {
			j.cancelJob()
			return nil, fmt.Errorf("execute %q: %w", cmd, ctx.Err())
		}
		defer j.mu.Unlock()
		if j.err != nil {
			return nil, j.err
		}
		return map[string]any{"rows": nonNil(j.rows), "messages": messages(j.messages), "rowCount": j.rowCount, "server": ss.s.Server()}, nil
	case "start":
		ss, err := d.session(r)
		if err != nil {
			return nil, err
		}
		name, err := need(r.Request, "request")
		if err != nil {
			return nil, err
		}
		cmd, err := need(r.Command, "command")
		if err != nil {
			return nil, err
		}
		if _, dup := d.requests[name]; dup {
			return nil, badRequest("request %q exists already", name)
		}
		ctx, cancel := timeout(r)
		defer cancel()
		j := newJob(name, cmd)
		if err := ss.submit(ctx, j); err != nil {
			return nil, err
		}
		d.requests[name] = j
		return map[string]any{}, nil
	case "read":
		j, err := d.job(r)
		if err != nil {
			return nil, err
		}
		max, err := need(r.Rows, "rows")
		if err != nil {
			return nil, err
		}
		if max < 1 {
			return nil, badRequest("rows must be >= 1")
		}
		ctx, cancel := timeout(r)
		defer cancel()
		if !j.waitFor(ctx, func() bool { return j.ended || j.taken < len(j.rows) }) {
			return nil, fmt.Errorf("read %s: no row: %w", j.name, ctx.Err())
		}
		defer j.mu.Unlock()
		n := len(j.rows) - j.taken
		if n > max {
			n = max
		}
		rows := append([]string{}, j.rows[j.taken:j.taken+n]...)
		j.taken += n
		done := j.ended && j.taken == len(j.rows)
		if done && j.err != nil && n == 0 {
			return nil, j.err
		}
		ans := map[string]any{"rows": rows, "done": done && j.err == nil}
		if done && j.err == nil {
			ans["rowCount"] = j.rowCount
			ans["messages"] = messages(j.messages)
		}
		return ans, nil
	case "finish":
		j, err := d.job(r)
		if err != nil {
			return nil, err
		}
		ctx, cancel := timeout(r)
		defer cancel()
		if !j.waitFor(ctx, func() bool { return j.ended }) {
			return nil, fmt.Errorf("finish %s: %w", j.name, ctx.Err())
		}
		defer j.mu.Unlock()
		rows := append([]string{}, j.rows[j.taken:]...)
		j.taken = len(j.rows)
		if j.err != nil {
			return nil, j.err
		}
		return map[string]any{"rows": rows, "done": true, "rowCount": j.rowCount, "messages": messages(j.messages)}, nil
	case "cancel":
		j, err := d.job(r)
		if err != nil {
			return nil, err
		}
		j.cancelJob()
		return map[string]any{}, nil
	case "status":
		ss, err := d.session(r)
		if err != nil {
			return nil, err
		}
		return ss.status(), nil
	case "awaitMigrations":
		ss, err := d.session(r)
		if err != nil {
			return nil, err
		}
		count, err := need(r.Count, "count")
		if err != nil {
			return nil, err
		}
		ctx, cancel := timeout(r)
		defer cancel()
		for {
			ss.mu.Lock()
			ch := ss.migrated
			ss.mu.Unlock()
			if ss.s.Migrations() >= count {
				return ss.status(), nil
			}
			select {
			case <-ch:
			case <-ss.s.Done():
				if ss.s.Migrations() >= count {
					return ss.status(), nil
				}
				return nil, ss.s.Err()
			case <-ctx.Done():
				return nil, fmt.Errorf("awaitMigrations: %d of %d migrations: %w", ss.s.Migrations(), count, ctx.Err())
			}
		}
	case "close":
		ss, err := d.session(r)
		if err != nil {
			return nil, err
		}
		ss.close()
		return map[string]any{}, nil
	case "":
		return nil, badRequest("missing op")
	}
	return nil, badRequest("unknown op %q", r.Op)
}

func (d *driver) connect(r *request) (map[string]any, error) {
	name, err := need(r.Session, "session")
	if err != nil {
		return nil, err
	}
	addr, err := need(r.Address, "address")
	if err != nil {
		return nil, err
	}
	if _, dup := d.sessions[name]; dup {
		return nil, badRequest("session %q exists already", name)
	}
	ss := &session{name: name, queue: make(chan *job, 1024), stop: make(chan struct{}), done: make(chan struct{}), migrated: make(chan struct{})}
	opts := []ferry.Option{
		ferry.WithReadAhead(r.ReadAhead == nil || *r.ReadAhead),
		ferry.WithMigrationListener(func(e ferry.MigrationEvent) {
			fmt.Fprintf(d.log, "driver: session %s: migration %d %s -> %s (%s) in %v\n", name, e.MigrationID, e.FromAddress, e.ToAddress, e.ToServer, e.Pause)
			ss.mu.Lock()
			close(ss.migrated)
			ss.migrated = make(chan struct{})
			ss.mu.Unlock()
		}),
		ferry.WithLogf(func(format string, args ...any) {
			fmt.Fprintf(d.log, "driver: %s: "+format+"\n", append([]any{name}, args...)...)
		}),
	}
	if r.ClientName != nil {
		opts = append(opts, ferry.WithClientName(*r.ClientName))
	}
	if r.TLS != nil {
		cfg := &tls.Config{ServerName: r.TLS.ServerName, MinVersion: tls.VersionTLS12}
		if r.TLS.CAFile != "" {
			pem, err := os.ReadFile(r.TLS.CAFile)
			if err != nil {
				return nil, badRequest("tls.caFile: %v", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, badRequest("tls.caFile %s holds no PEM certificate", r.TLS.CAFile)
			}
			cfg.RootCAs = pool
		}
		opts = append(opts, ferry.WithTLS(cfg))
	}
	if r.TimeoutMs != nil && *r.TimeoutMs > 0 {
		opts = append(opts, ferry.WithConnectTimeout(time.Duration(*r.TimeoutMs)*time.Millisecond))
	}
	ctx, cancel := timeout(r)
	defer cancel()
	s, err := ferry.Dial(ctx, addr, opts...)
	if err != nil {
		return nil, err
	}
	ss.s = s
	d.sessions[name] = ss
	go ss.work()
	return map[string]any{"sessionId": s.ID(), "server": s.Server()}, nil
}

func (ss *session) submit(ctx context.Context, j *job) error {
	select {
	case ss.queue <- j:
		return nil
	case <-ss.stop:
		return fmt.Errorf("session %s: %w", ss.name, ferry.ErrClosed)
	case <-ctx.Done():
		return fmt.Errorf("session %s: too many started requests: %w", ss.name, ctx.Err())
	}
}

func (ss *session) status() map[string]any {
	return map[string]any{"sessionId": ss.s.ID(), "server": ss.s.Server(), "migrations": ss.s.Migrations(), "open": ss.s.Open()}
}

// close sends GOODBYE(CLOSE), closes the connection and ends the session's worker; queued jobs
// end with the session's error.
func (ss *session) close() {
	ss.closeOnce.Do(func() {
		ss.s.Close()
		close(ss.stop)
		<-ss.done
		for {
			select {
			case j := <-ss.queue:
				j.end(fmt.Errorf("session %s: %w", ss.name, ferry.ErrClosed), 0, nil)
			default:
				return
			}
		}
	})
}

func (j *job) cancelJob() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.ended {
		return
	}
	j.cancel = true
	if j.live != nil {
		j.live.Cancel()
	}
}

func (d *driver) closeAll() {
	for _, ss := range d.sessions {
		ss.close()
	}
}

func nonNil(rows []string) []string {
	if rows == nil {
		return []string{}
	}
	return append([]string{}, rows...)
}

func messages(ms []ferry.Message) []message {
	out := []message{}
	for _, m := range ms {
		out = append(out, message{Severity: m.Severity.String(), Text: m.Text})
	}
	return out
}
