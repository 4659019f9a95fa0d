// Command kube-controller-manager is the upstream kube-controller-manager
// (k8s.io/kubernetes/cmd/kube-controller-manager) with the additions of internal/testproc:
// "--ferry-log-file PATH", loopback URLs, and exit when the parent (the test JVM) is gone.
package main

import (
	"os"
	_ "time/tzdata" // for CronJob Time Zone support

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // for JSON log format registration
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // load all the prometheus client-go plugin
	_ "k8s.io/component-base/metrics/prometheus/version"  // for version metric registration
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"

	"ferry.dev/control-plane/kubernetes/internal/testproc"
)

func main() {
	args := testproc.Prepare("kube-controller-manager", os.Args[1:])
	command := app.NewControllerManagerCommand()
	command.SetArgs(args)
	os.Exit(cli.Run(command))
}
