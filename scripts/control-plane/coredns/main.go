// Command coredns is CoreDNS with only the plugins a cluster's DNS needs (the cluster of
// scripts/node.sh): no forward (there is no upstream DNS to reach), no cloud backends (their SDKs
// are most of a full build). The directives keep the order of CoreDNS's plugin.cfg, which is the
// order a query passes through them whatever the order in the Corefile.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
)

func init() {
	// plugin.cfg order (v1.14.1), reduced to the plugins imported above.
	dnsserver.Directives = []string{
		"reload",
		"ready",
		"health",
		"errors",
		"log",
		"loadbalance",
		"cache",
		"kubernetes",
		"loop",
	}
}

func main() { coremain.Run() }
