// Command kube-scheduler is the upstream kube-scheduler (k8s.io/kubernetes/cmd/kube-scheduler)
// with the additions of internal/testproc: "--ferry-log-file PATH", loopback URLs, and exit
// when the parent (the test JVM) is gone. Ferry's harness starts it so that pods are placed by
// the real scheduler: cordoned nodes (spec.unschedulable) and NoSchedule taints are honoured
// exactly as in a cluster.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // for JSON log format registration
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // load all the prometheus client-go plugin
	_ "k8s.io/component-base/metrics/prometheus/version"  // for version metric registration
	"k8s.io/kubernetes/cmd/kube-scheduler/app"

	"ferry.dev/control-plane/kubernetes/internal/testproc"
)

func main() {
	args := testproc.Prepare("kube-scheduler", os.Args[1:])
	command := app.NewSchedulerCommand()
	command.SetArgs(args)
	os.Exit(cli.Run(command))
}
