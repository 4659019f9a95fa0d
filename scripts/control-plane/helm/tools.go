//go:build tools

// Package tools pins the upstream helm command as it is, so that go.mod/go.sum hold everything it
// needs; scripts/control-plane.sh builds helm.sh/helm/v4/cmd/helm from this module.
package tools

import (
	_ "helm.sh/helm/v4/cmd/helm"
)
