// Command kube-apiserver is the upstream kube-apiserver (k8s.io/kubernetes/cmd/kube-apiserver)
// with what Ferry's test harness, which starts it through Fabric8 kube-api-test, needs:
//
//   - "--ferry-log-file PATH" (or "--ferry-log-file=PATH") is removed from the arguments and the
//     process's stdout and stderr go to PATH (kube-apiserver has no klog file flags any more);
//   - URLs on 0.0.0.0 (kube-api-test's "--etcd-servers") are rewritten to 127.0.0.1;
//   - the process exits when its parent is gone.
package main

import (
	"os"
	_ "time/tzdata" // for timeZone support in CronJob

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // for JSON log format registration
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // load all the prometheus client-go plugins
	_ "k8s.io/component-base/metrics/prometheus/version"  // for version metric registration
	"k8s.io/kubernetes/cmd/kube-apiserver/app"

	"ferry.dev/control-plane/kubernetes/internal/testproc"
)

func main() {
	args := testproc.Prepare("kube-apiserver", os.Args[1:])
	command := app.NewAPIServerCommand()
	command.SetArgs(args)
	os.Exit(cli.Run(command))
}
