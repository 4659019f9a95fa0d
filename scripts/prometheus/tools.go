//go:build tools

// Package tools pins the upstream Prometheus server command as it is, so that go.mod/go.sum hold
// everything it needs; scripts/prometheus.sh builds github.com/prometheus/prometheus/cmd/prometheus
// from this module (without the web UI's assets: only the HTTP API is used).
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/prometheus"
)
