// Package testproc holds what Ferry's test builds of the Kubernetes commands add to upstream:
// a log file flag, loopback-only etcd URLs, and exit when the parent (the test JVM) is gone,
// unless FERRY_DAEMON=1 says the process is a long-lived daemon (scripts/node.sh starts the
// control plane that way: its parent, the script, exits at once).
package testproc

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// LogFlag names the extra flag that sends the process's stdout and stderr to a file.
const LogFlag = "--ferry-log-file"

// Prepare applies the additions and returns the arguments for the upstream command.
func Prepare(name string, in []string) []string {
	ExitWhenOrphaned()
	args, logFile := rewriteArgs(in)
	if logFile != "" {
		if err := redirectOutput(logFile); err != nil {
			fmt.Fprintf(os.Stderr, "%s: cannot log to %s: %v\n", name, logFile, err)
			os.Exit(1)
		}
	}
	return args
}

// rewriteArgs removes the log flag and points URLs on 0.0.0.0 at 127.0.0.1 (kube-api-test
// passes --etcd-servers http://0.0.0.0:PORT).
func rewriteArgs(in []string) (out []string, logFile string) {
	out = []string{}
	for i := 0; i < len(in); i++ {
		a := in[i]
		switch {
		case a == LogFlag && i+1 < len(in):
			logFile = in[i+1]
			i++
			continue
		case strings.HasPrefix(a, LogFlag+"="):
			logFile = strings.TrimPrefix(a, LogFlag+"=")
			continue
		}
		out = append(out, strings.ReplaceAll(a, "://0.0.0.0:", "://127.0.0.1:"))
	}
	return out, logFile
}

// redirectOutput points file descriptors 1 and 2 at the log file, so every writer (klog,
// panics, the Go runtime) lands there, unbuffered.
func redirectOutput(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if err := syscall.Dup3(int(f.Fd()), 1, 0); err != nil {
		return err
	}
	return syscall.Dup3(int(f.Fd()), 2, 0)
}

// ExitWhenOrphaned ends the process once its parent is gone (it was re-parented), so a test JVM
// that is killed leaves no control plane running behind it. With FERRY_DAEMON=1 in the
// environment it does nothing: the process is a daemon whose starter exits at once.
func ExitWhenOrphaned() {
	parent := os.Getppid()
	if parent <= 1 || os.Getenv("FERRY_DAEMON") == "1" {
		return
	}
	go func() {
		for range time.Tick(time.Second) {
			if os.Getppid() != parent {
				os.Exit(3)
			}
		}
	}()
}
