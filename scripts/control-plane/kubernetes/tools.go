//go:build tools

// Package tools pins the upstream command this module builds as it is (kubectl), so that
// go.mod/go.sum hold everything it needs. kube-apiserver, kube-controller-manager and
// kube-scheduler are built from ./cmd/..., thin wrappers around the upstream commands.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kubectl"
)
