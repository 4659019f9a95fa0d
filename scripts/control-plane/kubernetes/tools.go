//go:build tools

// Package tools pins the upstream commands this module builds as they are, so that
// go.mod/go.sum hold everything they need. kube-apiserver is built from ./cmd/kube-apiserver.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
