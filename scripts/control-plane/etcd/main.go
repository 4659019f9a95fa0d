// Command etcd is the upstream etcd server (go.etcd.io/etcd/server/v3) as a test backend
// for Ferry's harness, which starts it through Fabric8 kube-api-test. kube-api-test asks
// etcd to listen on 0.0.0.0; this wrapper rewrites every 0.0.0.0 URL to 127.0.0.1, so the
// store is reachable from this machine only. It also adds --unsafe-no-fsync: the data
// directory is a throw-away temp directory, and fsync dominates API latency on slow disks.
// And it exits once its parent (the test JVM) is gone, so a killed test run leaves nothing, unless
// FERRY_DAEMON=1 says it is a long-lived daemon (scripts/node.sh's cluster).
package main

import (
	"os"
	"strings"
	"time"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	exitWhenOrphaned()
	args := make([]string, 0, len(os.Args)+1)
	args = append(args, os.Args[0])
	serving := false
	for _, a := range os.Args[1:] {
		if strings.Contains(a, "data-dir") {
			serving = true
		}
		args = append(args, strings.ReplaceAll(a, "://0.0.0.0:", "://127.0.0.1:"))
	}
	if serving {
		args = append(args, "--unsafe-no-fsync")
	}
	etcdmain.Main(args)
}

func exitWhenOrphaned() {
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
