//go:build tools

// Package tools pins the upstream commands this module builds as they are (kubectl, kubelet,
// kube-proxy), so that go.mod/go.sum hold everything they need. kube-apiserver,
// kube-controller-manager and kube-scheduler are built from ./cmd/..., thin wrappers around the
// upstream commands.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
