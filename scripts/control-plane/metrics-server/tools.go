//go:build tools

// Package tools pins the upstream metrics-server command as it is, so that go.mod/go.sum hold
// everything it needs; scripts/control-plane.sh builds sigs.k8s.io/metrics-server/cmd/metrics-server
// from this module.
package tools

import (
	_ "sigs.k8s.io/metrics-server/cmd/metrics-server"
)
