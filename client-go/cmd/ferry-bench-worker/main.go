// Command ferry-bench-worker is the Go client's process of the idle-drain benchmark: it speaks the
// benchmark's worker protocol on stdin/stdout (bench/src/main/java/dev/ferry/bench/WorkerProtocol.java),
// as the Java client's worker does, so one drain can be measured with either client in the same run.
//
// Commands, one a line on stdin: OPEN host:port n, ADD host:port n, REPORT [origin], CLOSE, QUIT.
// Answers on stdout start with "@ferry ": READY at start, then OPENED, REPORT, CLOSED, and MOVED
// (unprompted) once every session of the round has completed a migration. Times are CLOCK_MONOTONIC
// nanoseconds, the JVM's System.nanoTime on Linux, so the coordinator can line them up with its own.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"ferry.dev/client-go/ferry"
)

func main() {
	id := flag.Int("id", 0, "worker number, for the logs")
	openConcurrency := flag.Int("open-concurrency", 256, "sessions opened at the same time")
	flag.Parse()
	clock, err := newMonotonicClock()
	if err != nil {
		log.Fatalf("ferry-bench-worker: %v", err)
	}
	w := &worker{id: *id, openConcurrency: *openConcurrency, clock: clock, out: os.Stdout}
	stop := startProfile(*id)
	code := w.run(os.Stdin)
	stop()
	os.Exit(code)
}

// startProfile writes a CPU profile of the whole run to $FERRY_BENCH_GO_CPUPROFILE.<id>, and a heap
// profile (allocations included) at the end to $FERRY_BENCH_GO_MEMPROFILE.<id>, when those variables
// are set: where the Go client's time and garbage go during a drain, next to the JVMs' flight recordings.
func startProfile(id int) (stop func()) {
	heap := func() {}
	if base := os.Getenv("FERRY_BENCH_GO_MEMPROFILE"); base != "" {
		heap = func() {
			f, err := os.Create(fmt.Sprintf("%s.%d", base, id))
			if err != nil {
				log.Printf("worker %d: no heap profile: %v", id, err)
				return
			}
			defer f.Close()
			if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
				log.Printf("worker %d: no heap profile: %v", id, err)
			}
		}
	}
	base := os.Getenv("FERRY_BENCH_GO_CPUPROFILE")
	if base == "" {
		return heap
	}
	f, err := os.Create(fmt.Sprintf("%s.%d", base, id))
	if err != nil {
		log.Printf("worker %d: no CPU profile: %v", id, err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Printf("worker %d: no CPU profile: %v", id, err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		heap()
	}
}

type worker struct {
	id              int
	openConcurrency int
	clock           monotonicClock
	outMu           sync.Mutex
	out             io.Writer
	round           *round
}

// round holds the sessions of one OPEN (and its ADDs) and what happened to them.
type round struct {
	w         *worker
	mu        sync.Mutex
	sessions  []*ferry.Session
	moved     int
	lastMove  int64
	announced bool
	pauses    []int64          // the client library's own pause per migration, µs
	moveNanos []int64          // when each migration completed
	movedAt   map[string]int64 // when each session first moved, by session ID
}

func (w *worker) emit(word string, body map[string]any) {
	b, err := json.Marshal(body)
	if err != nil {
		log.Printf("worker %d: cannot encode %s: %v", w.id, word, err)
		return
	}
	w.outMu.Lock()
	defer w.outMu.Unlock()
	fmt.Fprintf(w.out, "@ferry %s %s\n", word, b)
}

func (w *worker) run(in io.Reader) int {
	w.emit("READY", map[string]any{"id": w.id, "pid": os.Getpid(), "client": "go"})
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		var err error
		switch f[0] {
		case "OPEN", "ADD":
			if len(f) != 3 {
				err = fmt.Errorf("usage: %s host:port n", f[0])
				break
			}
			n, convErr := strconv.Atoi(f[2])
			if convErr != nil || n < 0 {
				err = fmt.Errorf("%s: bad session count %q", f[0], f[2])
				break
			}
			w.open(f[1], n, f[0] == "ADD")
		case "REPORT":
			origin := int64(-1 << 63)
			if len(f) > 1 {
				origin, err = strconv.ParseInt(f[1], 10, 64)
				if err != nil {
					err = fmt.Errorf("REPORT: bad origin %q", f[1])
					break
				}
			}
			err = w.report(origin)
		case "CLOSE":
			w.close()
		case "QUIT":
			w.close()
			return 0
		default:
			err = fmt.Errorf("unknown command %s (the Go worker has no BASELINE: the reconnect baseline runs on the Java client)", line)
		}
		if err != nil {
			log.Printf("worker %d: %q failed: %v", w.id, line, err)
			w.emit("ERROR", map[string]any{"error": line + ": " + err.Error()})
		}
	}
	// The coordinator went away (stdin closed): do not outlive it.
	w.close()
	return 0
}

func (w *worker) open(address string, n int, add bool) {
	if w.round != nil && !add {
		w.close()
	}
	start := time.Now()
	r := w.round
	if r == nil {
		r = &round{w: w, movedAt: map[string]int64{}}
	}
	var (
		mu      sync.Mutex
		opened  []*ferry.Session
		failed  int
		wg      sync.WaitGroup
		permits = make(chan struct{}, w.openConcurrency)
	)
	for i := 0; i < n; i++ {
		permits <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-permits }()
			s, err := r.openOne(address)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if failed == 0 {
					log.Printf("worker %d: opening a session failed: %v", w.id, err)
				}
				failed++
				return
			}
			opened = append(opened, s)
		}()
	}
	wg.Wait()
	r.mu.Lock()
	r.sessions = append(r.sessions, opened...)
	holding := len(r.sessions)
	r.mu.Unlock()
	w.round = r
	w.emit("OPENED", map[string]any{
		"opened": len(opened), "failed": failed, "holding": holding,
		"millis": time.Since(start).Milliseconds(),
	})
}

// openOnes opens one session and logs in as the Java worker does ("SET user u<session id>").
func (r *round) openOne(address string) (*ferry.Session, error) {
	// A generous connect timeout: thousands of connects at once on a busy 2-core machine queue in the backlog.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var s *ferry.Session
	s, err := ferry.Dial(ctx, address,
		ferry.WithConnectTimeout(30*time.Second),
		ferry.WithMigrationListener(func(e ferry.MigrationEvent) { r.migrated(e) }))
	if err != nil {
		return nil, err
	}
	if _, err := s.Execute(ctx, "SET user u"+s.ID()); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (r *round) migrated(e ferry.MigrationEvent) {
	now := r.w.clock.nanos(time.Now())
	r.mu.Lock()
	r.moved++
	r.lastMove = now
	r.moveNanos = append(r.moveNanos, now)
	r.pauses = append(r.pauses, max(1, e.Pause.Microseconds()))
	if _, seen := r.movedAt[e.SessionID]; !seen {
		r.movedAt[e.SessionID] = now
	}
	announce := !r.announced && len(r.sessions) > 0 && r.moved >= len(r.sessions)
	if announce {
		r.announced = true
	}
	moved, last := r.moved, r.lastMove
	r.mu.Unlock()
	if announce {
		r.w.emit("MOVED", map[string]any{"moved": moved, "lastMoveNanos": last})
	}
}

func (w *worker) report(origin int64) error {
	r := w.round
	if r == nil {
		return fmt.Errorf("no sessions: send OPEN first")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	open := 0
	byServer := map[string]int{}
	for _, s := range r.sessions {
		if s.Open() {
			open++
		}
		byServer[s.Server()]++
	}
	body := map[string]any{
		"sessions":            len(r.sessions),
		"open":                open,
		"moved":               r.moved,
		"lastMoveNanos":       r.lastMove,
		"migrationsCompleted": r.moved,
		"sessionsLost":        len(r.sessions) - open,
		"pauseMicros":         r.pauses,
		"byServer":            byServer,
	}
	if origin != -1<<63 {
		micros := make([]int64, len(r.moveNanos))
		for i, t := range r.moveNanos {
			micros[i] = (t - origin) / 1000
		}
		body["moveMicros"] = micros
		body["movedAt"] = r.movedAt
	}
	w.emit("REPORT", body)
	return nil
}

func (w *worker) close() {
	r := w.round
	w.round = nil
	n := 0
	if r != nil {
		r.mu.Lock()
		sessions := r.sessions
		r.mu.Unlock()
		n = len(sessions)
		var wg sync.WaitGroup
		permits := make(chan struct{}, w.openConcurrency)
		for _, s := range sessions {
			permits <- struct{}{}
			wg.Add(1)
			go func(s *ferry.Session) {
				defer wg.Done()
				defer func() { <-permits }()
				s.Close()
			}(s)
		}
		wg.Wait()
	}
	w.emit("CLOSED", map[string]any{"closed": n})
}
