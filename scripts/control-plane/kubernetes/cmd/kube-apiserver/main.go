// Command kube-apiserver is the upstream kube-apiserver (k8s.io/kubernetes/cmd/kube-apiserver)
// with two additions for Ferry's test harness, which starts it through Fabric8 kube-api-test:
//
//   - "--ferry-log-file PATH" (or "--ferry-log-file=PATH") is removed from the arguments and
//     the process's stdout and stderr are sent to PATH, so a test can keep the server's log
//     (klog file flags no longer exist in kube-apiserver);
//   - "--etcd-servers" URLs on 0.0.0.0 (what kube-api-test passes) are rewritten to 127.0.0.1.
package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	_ "time/tzdata" // for timeZone support in CronJob

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // for JSON log format registration
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // load all the prometheus client-go plugins
	_ "k8s.io/component-base/metrics/prometheus/version"  // for version metric registration
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

const logFlag = "--ferry-log-file"

func main() {
	args, logFile := rewriteArgs(os.Args[1:])
	if logFile != "" {
		if err := redirectOutput(logFile); err != nil {
			fmt.Fprintf(os.Stderr, "kube-apiserver: cannot log to %s: %v\n", logFile, err)
			os.Exit(1)
		}
	}
	command := app.NewAPIServerCommand()
	command.SetArgs(args)
	os.Exit(cli.Run(command))
}

func rewriteArgs(in []string) (out []string, logFile string) {
	for i := 0; i < len(in); i++ {
		a := in[i]
		switch {
		case a == logFlag && i+1 < len(in):
			logFile = in[i+1]
			i++
			continue
		case strings.HasPrefix(a, logFlag+"="):
			logFile = strings.TrimPrefix(a, logFlag+"=")
			continue
		}
		out = append(out, strings.ReplaceAll(a, "://0.0.0.0:", "://127.0.0.1:"))
	}
	return out, logFile
}

// redirectOutput points file descriptors 1 and 2 at the log file, so every writer
// (klog, panics, the Go runtime) lands there, unbuffered.
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
