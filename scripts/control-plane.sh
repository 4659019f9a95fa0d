#!/usr/bin/env bash
# Builds Ferry's test control plane from source with this machine's Go toolchain:
# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kubelet and kube-proxy from the
# k8s.io/kubernetes module, etcd from go.etcd.io/etcd/server/v3, CoreDNS (a cluster's plugins only)
# from github.com/coredns/coredns, metrics-server from sigs.k8s.io/metrics-server, helm from
# helm.sh/helm/v4 (the chart tests and the node tier's Helm install), and installs them
# where Fabric8 kube-api-test looks for them in offline mode:
# ~/.kubeapitest/k8s/<KUBE_VERSION>-linux-amd64/  (scripts/node.sh uses them too)
#
# Why from source: no prebuilt Kubernetes binary or container image can be fetched here,
# but the Go module proxy can be reached. The build modules live in scripts/control-plane/.
#
# Idempotent and cached: Go's module and build caches live under ~/.cache/ferry/go, and a
# stamp file in the install directory records, per binary, the recipe it was built from: a
# re-run builds only the binaries whose recipe changed (or that are missing).
#
# Usage: scripts/control-plane.sh [--print-version | --print-dir | --force | --prepare-only | --help]
set -euo pipefail

# The one place that says which Kubernetes the tests run against (Fabric8 7.4.0 models 1.34).
KUBE_VERSION=1.34.4
# The etcd that Kubernetes ${KUBE_VERSION%.*} pairs with (its build/dependencies.yaml).
ETCD_VERSION=3.6.5
# The cluster DNS of scripts/node.sh (its k8s.io modules are pinned to v0.${KUBE_VERSION#1.}).
COREDNS_VERSION=1.14.1
# The resource metrics API (metrics.k8s.io) of scripts/node.sh (k8s.io modules pinned like CoreDNS's).
METRICS_SERVER_VERSION=0.8.0
# The Helm that lints, renders and installs deploy/helm/ferry (it keeps the k8s.io modules it was released with).
HELM_VERSION=4.3.2

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RECIPE_DIR="$ROOT/scripts/control-plane"
KUBEAPITEST_DIR="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}"
CACHE_DIR="${FERRY_CACHE_DIR:-$HOME/.cache/ferry}"
GOOS_ARCH="linux-amd64"
INSTALL_DIR="$KUBEAPITEST_DIR/k8s/${KUBE_VERSION}-${GOOS_ARCH}"
STAMP="$INSTALL_DIR/.ferry-control-plane"
FORCE=false
PREPARE_ONLY=false

usage() {
  sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<EOF

  --print-version  print the Kubernetes version this script installs (${KUBE_VERSION}) and exit
  --print-dir      print the install directory and exit
  --print-helm     print the path of the helm binary this script installs (v${HELM_VERSION}) and exit
  --force          rebuild even if the stamp says the binaries are current
  --prepare-only   resolve the build modules (write go.mod/go.sum for new versions), build nothing
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --print-version) echo "$KUBE_VERSION"; exit 0 ;;
    --print-dir) echo "$INSTALL_DIR"; exit 0 ;;
    --print-helm) echo "$INSTALL_DIR/helm"; exit 0 ;;
    --force) FORCE=true ;;
    --prepare-only) PREPARE_ONLY=true ;;
    -h|--help) usage; exit 0 ;;
    *) echo "control-plane: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

log() { printf '[control-plane %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf '[control-plane] ERROR: %s\n' "$*" >&2; exit 1; }

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) die "only linux-amd64 is supported (this is $(uname -s)-$(uname -m))" ;;
esac

GO="${GO:-$(command -v go || true)}"
[ -n "$GO" ] || GO=/usr/local/go/bin/go
[ -x "$GO" ] || die "Go toolchain not found (looked on PATH and at /usr/local/go/bin/go)"

export GOPATH="$CACHE_DIR/go"
export GOMODCACHE="$GOPATH/mod"
export GOCACHE="$GOPATH/build"
export GOFLAGS="-modcacherw -buildvcs=false"
export GOTOOLCHAIN=local
export CGO_ENABLED=0
export GOOS=linux GOARCH=amd64
# Modules come from this machine's Go settings (go env GOPROXY, GONOSUMDB, ...).

GO_VERSION="$("$GO" env GOVERSION)"

# The binaries, and which files of the recipe each is built from. A binary's stamp line holds
# the versions, the Go version and a hash of exactly those files, so adding a wrapper (say
# cmd/kube-scheduler) rebuilds that wrapper only.
KUBE_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy)
BINARIES=("${KUBE_BINARIES[@]}" etcd coredns metrics-server helm)

recipe_files() { # binary -> recipe files (relative to RECIPE_DIR), NUL-separated
  case "$1" in
    kube-apiserver|kube-controller-manager|kube-scheduler)
      (cd "$RECIPE_DIR" && find kubernetes/go.mod kubernetes/go.sum kubernetes/internal "kubernetes/cmd/$1" \
         -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0) ;;
    kubectl|kubelet|kube-proxy) (cd "$RECIPE_DIR" && printf '%s\0' kubernetes/go.mod kubernetes/go.sum kubernetes/tools.go) ;;
    etcd|coredns|metrics-server|helm) (cd "$RECIPE_DIR" && find "$1" -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0) ;;
    *) die "unknown binary $1" ;;
  esac
}
hash_files() { # NUL-separated file list on stdin (relative to RECIPE_DIR) -> 16 hex digits
  (cd "$RECIPE_DIR" && sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}
stamp_line() { # binary -> its line in the stamp file
  local version="v${KUBE_VERSION}"
  case "$1" in
    etcd) version="v${ETCD_VERSION}" ;;
    coredns) version="v${COREDNS_VERSION}" ;;
    metrics-server) version="v${METRICS_SERVER_VERSION}" ;;
    helm) version="v${HELM_VERSION}" ;;
  esac
  echo "$1 version=${version} go=${GO_VERSION} recipe=$(recipe_files "$1" | hash_files)"
}
version_ok() { # binary path -> whether it reports the version it should
  local out
  case "$1" in
    kube-apiserver|kube-controller-manager|kube-scheduler|kubelet|kube-proxy)
      out="$("$2" --version 2>&1)" && [ "$out" = "Kubernetes v${KUBE_VERSION}" ] ;;
    kubectl) out="$("$2" version --client 2>&1)" && [[ "$out" == *"Client Version: v${KUBE_VERSION}"* ]] ;;
    etcd) out="$("$2" --version 2>&1)" && [[ "$out" == *"etcd Version: ${ETCD_VERSION}"* ]] ;;
    coredns) out="$("$2" -version 2>&1)" && [ "$(head -n1 <<<"$out")" = "CoreDNS-${COREDNS_VERSION}" ] ;;
    metrics-server) out="$("$2" --version 2>&1)" && [ "$out" = "v${METRICS_SERVER_VERSION}" ] ;;
    helm) out="$("$2" version --template '{{.Version}}' 2>&1)" && [ "$out" = "v${HELM_VERSION}" ] ;;
  esac
}

# Stamps written before the per-binary format (one line for kube-apiserver,
# kube-controller-manager, kubectl and etcd, hashing the whole recipe as it was then) still vouch
# for those four binaries when that recipe is unchanged.
legacy_stamp_text() {
  local h
  h="$(cd "$RECIPE_DIR" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) \
        -not -path './kubernetes/cmd/kube-scheduler/*' -not -path './coredns/*' \
        -not -path './metrics-server/*' -not -path './helm/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
  echo "kubernetes=v${KUBE_VERSION} etcd=v${ETCD_VERSION} go=${GO_VERSION} recipe=${h}"
}
LEGACY_BINARIES=" kube-apiserver kube-controller-manager kubectl etcd "

current() { # binary -> whether the installed one is built from the current recipe
  local b="$1"
  [ -x "$INSTALL_DIR/$b" ] && [ -f "$STAMP" ] || return 1
  if grep -qxF "$(stamp_line "$b")" "$STAMP"; then
    return 0
  fi
  [[ "$LEGACY_BINARIES" == *" $b "* ]] && [ "$(head -n1 "$STAMP")" = "$(legacy_stamp_text)" ]
}

NEEDED=()
for b in "${BINARIES[@]}"; do
  if $FORCE || ! current "$b" || ! version_ok "$b" "$INSTALL_DIR/$b"; then
    NEEDED+=("$b")
  fi
done

if [ ${#NEEDED[@]} -eq 0 ] && ! $PREPARE_ONLY; then
  log "up to date: $INSTALL_DIR (${BINARIES[*]}; kubernetes v${KUBE_VERSION}, etcd v${ETCD_VERSION}, coredns v${COREDNS_VERSION}, metrics-server v${METRICS_SERVER_VERSION}, helm v${HELM_VERSION}, ${GO_VERSION})"
  exit 0
fi

# One build at a time per install directory (test modules may call this script concurrently).
mkdir -p "$KUBEAPITEST_DIR/k8s"
exec 9>"$KUBEAPITEST_DIR/k8s/.ferry-control-plane-${KUBE_VERSION}.lock"
flock 9

START=$(date +%s)
log "building ${NEEDED[*]:-nothing (prepare only)} (Kubernetes v${KUBE_VERSION}, etcd v${ETCD_VERSION}, CoreDNS v${COREDNS_VERSION}, metrics-server v${METRICS_SERVER_VERSION}, helm v${HELM_VERSION}) with ${GO_VERSION} (caches in $GOPATH)"
mkdir -p "$GOPATH" "$KUBEAPITEST_DIR/k8s"

# Work on a scratch copy of the recipe, so the repository stays clean whatever Go writes.
WORK="$CACHE_DIR/control-plane-src"
rm -rf "$WORK"
mkdir -p "$WORK"
cp -r "$RECIPE_DIR/kubernetes" "$RECIPE_DIR/etcd" "$RECIPE_DIR/coredns" "$RECIPE_DIR/metrics-server" "$RECIPE_DIR/helm" "$WORK/"

# kubernetes: the published k8s.io/kubernetes module points its staging modules (k8s.io/api,
# client-go, ...) at ./staging/src/...; a consumer must replace each with its published v0.Y.Z.
prepare_kubernetes_module() {
  local dir="$WORK/kubernetes" minor_version="v0.${KUBE_VERSION#1.}"
  if grep -Eq "^(require )?[[:space:]]*k8s.io/kubernetes v${KUBE_VERSION}( |\$)" "$dir/go.mod" && [ -f "$dir/go.sum" ]; then
    log "kubernetes: using the checked-in go.mod/go.sum"
    return
  fi
  log "kubernetes: checked-in go.mod is not for v${KUBE_VERSION}; generating one (commit scripts/control-plane/kubernetes/go.{mod,sum} afterwards)"
  local kmod
  kmod="$(cd "$dir" && "$GO" mod download -json "k8s.io/kubernetes@v${KUBE_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [ -f "$kmod" ] || die "cannot fetch k8s.io/kubernetes@v${KUBE_VERSION} from the module proxy"
  {
    echo "// Build-only module: compiles kube-apiserver, kube-controller-manager, kube-scheduler, kubectl,"
    echo "// kubelet and kube-proxy from the published k8s.io/kubernetes module. Generated by scripts/control-plane.sh."
    echo "module ferry.dev/control-plane/kubernetes"
    echo
    echo "go $(sed -n 's/^go //p' "$kmod")"
    echo
    echo "require k8s.io/kubernetes v${KUBE_VERSION}"
    echo
    echo "replace ("
    sed -n '/^replace (/,/^)/p' "$kmod" | awk -v v="$minor_version" '/=> \.\/staging\// {printf "\t%s => %s %s\n", $1, $1, v}'
    echo ")"
  } > "$dir/go.mod"
  rm -f "$dir/go.sum"
  (cd "$dir" && "$GO" mod tidy) || die "go mod tidy failed for Kubernetes v${KUBE_VERSION}"
  cp "$dir/go.mod" "$dir/go.sum" "$RECIPE_DIR/kubernetes/"
}

prepare_etcd_module() {
  local dir="$WORK/etcd"
  if grep -Eq "^(require )?[[:space:]]*go.etcd.io/etcd/server/v3 v${ETCD_VERSION}( |\$)" "$dir/go.mod" && [ -f "$dir/go.sum" ]; then
    log "etcd: using the checked-in go.mod/go.sum"
    return
  fi
  log "etcd: checked-in go.mod is not for v${ETCD_VERSION}; generating one (commit scripts/control-plane/etcd/go.{mod,sum} afterwards)"
  (cd "$dir" && "$GO" mod edit -droprequire=go.etcd.io/etcd/server/v3 \
     && "$GO" mod edit -require="go.etcd.io/etcd/server/v3@v${ETCD_VERSION}" \
     && rm -f go.sum && "$GO" mod tidy) || die "cannot resolve etcd v${ETCD_VERSION}"
  cp "$dir/go.mod" "$dir/go.sum" "$RECIPE_DIR/etcd/"
}

# coredns: CoreDNS's own go.mod names the client-go it was released with; the k8s.io modules are
# raised to the Kubernetes release built here (MVS keeps the higher version), and a CoreDNS that
# needs a newer Kubernetes minor is refused rather than built against another client-go.
prepare_coredns_module() {
  local dir="$WORK/coredns" k8s="v0.${KUBE_VERSION#1.}" m
  if grep -Eq "^(require )?[[:space:]]*github.com/coredns/coredns v${COREDNS_VERSION}( |\$)" "$dir/go.mod" \
     && grep -Eq "^[[:space:]]*k8s.io/client-go ${k8s}( |\$)" "$dir/go.mod" && [ -f "$dir/go.sum" ]; then
    log "coredns: using the checked-in go.mod/go.sum"
    return
  fi
  log "coredns: checked-in go.mod is not for v${COREDNS_VERSION} with k8s.io ${k8s}; generating one (commit scripts/control-plane/coredns/go.{mod,sum} afterwards)"
  (cd "$dir" && "$GO" mod edit -droprequire=github.com/coredns/coredns \
     && "$GO" mod edit -require="github.com/coredns/coredns@v${COREDNS_VERSION}" \
          -require="k8s.io/api@${k8s}" -require="k8s.io/apimachinery@${k8s}" -require="k8s.io/client-go@${k8s}" \
     && rm -f go.sum && "$GO" mod tidy) || die "cannot resolve CoreDNS v${COREDNS_VERSION}"
  for m in k8s.io/api k8s.io/apimachinery k8s.io/client-go; do
    grep -Eq "^[[:space:]]*${m} ${k8s}( |\$)" "$dir/go.mod" \
      || die "CoreDNS v${COREDNS_VERSION} needs a newer ${m} than ${k8s} ($(grep -E "^[[:space:]]*${m} " "$dir/go.mod" | xargs)); pick a CoreDNS release built on Kubernetes ${KUBE_VERSION%.*}"
  done
  cp "$dir/go.mod" "$dir/go.sum" "$RECIPE_DIR/coredns/"
}

# metrics-server: the same as CoreDNS. Its own go.mod names the Kubernetes libraries it was released
# with (v0.8.0: v0.33.2); every k8s.io module of a Kubernetes release (api, apimachinery, apiserver,
# client-go, component-base, kms, metrics) is raised to the v0.Y.Z of KUBE_VERSION, and a
# metrics-server that needs a newer one is refused.
prepare_metrics_server_module() {
  local dir="$WORK/metrics-server" k8s="v0.${KUBE_VERSION#1.}" m
  local mods=(k8s.io/api k8s.io/apimachinery k8s.io/apiserver k8s.io/client-go k8s.io/component-base k8s.io/metrics)
  if grep -Eq "^(require )?[[:space:]]*sigs.k8s.io/metrics-server v${METRICS_SERVER_VERSION}( |\$)" "$dir/go.mod" \
     && grep -Eq "^[[:space:]]*k8s.io/apiserver ${k8s}( |\$)" "$dir/go.mod" && [ -f "$dir/go.sum" ]; then
    log "metrics-server: using the checked-in go.mod/go.sum"
    return
  fi
  log "metrics-server: checked-in go.mod is not for v${METRICS_SERVER_VERSION} with k8s.io ${k8s}; generating one (commit scripts/control-plane/metrics-server/go.{mod,sum} afterwards)"
  (cd "$dir" && "$GO" mod edit -droprequire=sigs.k8s.io/metrics-server \
     && "$GO" mod edit -require="sigs.k8s.io/metrics-server@v${METRICS_SERVER_VERSION}" $(printf -- ' -require=%s@'"${k8s}" "${mods[@]}") \
     && rm -f go.sum && "$GO" mod tidy) || die "cannot resolve metrics-server v${METRICS_SERVER_VERSION}"
  for m in "${mods[@]}" k8s.io/kms; do
    grep -Eq "^[[:space:]]*${m} ${k8s}( |\$)" "$dir/go.mod" \
      || die "metrics-server v${METRICS_SERVER_VERSION} needs another ${m} than ${k8s} ($(grep -E "^[[:space:]]*${m} " "$dir/go.mod" | xargs)); pick a metrics-server release built on Kubernetes ${KUBE_VERSION%.*} or older"
  done
  cp "$dir/go.mod" "$dir/go.sum" "$RECIPE_DIR/metrics-server/"
}

# helm: its own go.mod as released (a client: its k8s.io modules need not match KUBE_VERSION).
prepare_helm_module() {
  local dir="$WORK/helm"
  if grep -Eq "^(require )?[[:space:]]*helm.sh/helm/v4 v${HELM_VERSION}( |\$)" "$dir/go.mod" && [ -f "$dir/go.sum" ]; then
    log "helm: using the checked-in go.mod/go.sum"
    return
  fi
  log "helm: checked-in go.mod is not for v${HELM_VERSION}; generating one (commit scripts/control-plane/helm/go.{mod,sum} afterwards)"
  (cd "$dir" && "$GO" mod edit -droprequire=helm.sh/helm/v4 \
     && "$GO" mod edit -require="helm.sh/helm/v4@v${HELM_VERSION}" \
     && rm -f go.sum && "$GO" mod tidy) || die "cannot resolve helm v${HELM_VERSION}"
  cp "$dir/go.mod" "$dir/go.sum" "$RECIPE_DIR/helm/"
}

prepare_kubernetes_module
prepare_etcd_module
prepare_coredns_module
prepare_metrics_server_module
prepare_helm_module
if $PREPARE_ONLY; then
  log "build modules resolved for Kubernetes v${KUBE_VERSION} / etcd v${ETCD_VERSION} / CoreDNS v${COREDNS_VERSION} / metrics-server v${METRICS_SERVER_VERSION} / helm v${HELM_VERSION} in $(( $(date +%s) - START ))s"
  exit 0
fi

STAGE="$KUBEAPITEST_DIR/k8s/.staging-${KUBE_VERSION}-$$"
rm -rf "$STAGE"
mkdir -p "$STAGE"
trap 'rm -rf "$STAGE"' EXIT

# Same version variables as kubernetes/hack/lib/version.sh, so --version tells the truth.
BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
KUBE_LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  KUBE_LDFLAGS+=" -X ${pkg}.gitVersion=v${KUBE_VERSION}"
  KUBE_LDFLAGS+=" -X ${pkg}.gitMajor=${KUBE_VERSION%%.*}"
  minor="${KUBE_VERSION#*.}"; KUBE_LDFLAGS+=" -X ${pkg}.gitMinor=${minor%%.*}"
  KUBE_LDFLAGS+=" -X ${pkg}.gitTreeState=clean"
  KUBE_LDFLAGS+=" -X ${pkg}.buildDate=${BUILD_DATE}"
done

build() { # dir output package
  local dir="$1" out="$2" pkg="$3" ldflags="$4" t0
  t0=$(date +%s)
  log "go build $pkg"
  (cd "$WORK/$dir" && nice -n 10 "$GO" build -mod=readonly -trimpath -ldflags "$ldflags" -o "$STAGE/$out" "$pkg") \
    || die "go build $pkg failed"
  log "built $out in $(( $(date +%s) - t0 ))s ($(du -h "$STAGE/$out" | cut -f1))"
}

needed() { [[ " ${NEEDED[*]} " == *" $1 "* ]]; }
for b in kube-apiserver kube-controller-manager kube-scheduler; do
  needed "$b" && build kubernetes "$b" "./cmd/$b" "$KUBE_LDFLAGS"
done
for b in kubectl kubelet kube-proxy; do
  needed "$b" && build kubernetes "$b" "k8s.io/kubernetes/cmd/$b" "$KUBE_LDFLAGS"
done
needed etcd && build etcd etcd . "-s -w"
needed coredns && build coredns coredns . "-s -w -X github.com/coredns/coredns/coremain.GitCommit=v${COREDNS_VERSION}"
# metrics-server's Makefile sets client-go's version variables (its --version prints gitVersion);
# component-base's stay unset, so the apiserver library keeps its own Kubernetes version.
needed metrics-server && build metrics-server metrics-server sigs.k8s.io/metrics-server/cmd/metrics-server \
  "-s -w -X k8s.io/client-go/pkg/version.gitVersion=v${METRICS_SERVER_VERSION} -X k8s.io/client-go/pkg/version.gitTreeState=clean -X k8s.io/client-go/pkg/version.buildDate=${BUILD_DATE}"
# helm's Makefile sets its version (and clears the "unreleased" metadata) the same way for a tagged build.
needed helm && build helm helm helm.sh/helm/v4/cmd/helm \
  "-s -w -X helm.sh/helm/v4/internal/version.version=v${HELM_VERSION} -X helm.sh/helm/v4/internal/version.metadata= -X helm.sh/helm/v4/internal/version.gitTreeState=clean"

log "checking versions"
for b in "${NEEDED[@]}"; do
  version_ok "$b" "$STAGE/$b" || die "$b reports '$(if [ "$b" = helm ]; then "$STAGE/$b" version --short; else "$STAGE/$b" --version; fi 2>&1 | head -n1)', expected v${KUBE_VERSION} (etcd ${ETCD_VERSION}, CoreDNS ${COREDNS_VERSION}, metrics-server ${METRICS_SERVER_VERSION}, helm ${HELM_VERSION})"
done

# The new stamp: a line per binary. Binaries that were not rebuilt keep theirs (re-derived, so a
# legacy one-line stamp is converted); each rebuilt binary gets its line once it is in place.
mkdir -p "$INSTALL_DIR"
KEPT=()
for b in "${BINARIES[@]}"; do
  needed "$b" || KEPT+=("$(stamp_line "$b")")
done
{ echo "# scripts/control-plane.sh: one line per binary (version, Go, recipe hash)"; printf '%s\n' "${KEPT[@]}"; } > "$STAMP.tmp"
mv -f "$STAMP.tmp" "$STAMP"
for b in "${NEEDED[@]}"; do
  mv -f "$STAGE/$b" "$INSTALL_DIR/$b"
  stamp_line "$b" >> "$STAMP"
done

log "installed ${NEEDED[*]} into $INSTALL_DIR:"
echo "    kube-apiserver: $("$INSTALL_DIR/kube-apiserver" --version)"
echo "    kube-scheduler: $("$INSTALL_DIR/kube-scheduler" --version)"
echo "    kubelet: $("$INSTALL_DIR/kubelet" --version)"
echo "    etcd: $("$INSTALL_DIR/etcd" --version | sed -n 1p)"
echo "    coredns: $("$INSTALL_DIR/coredns" -version | sed -n 1p)"
echo "    metrics-server: $("$INSTALL_DIR/metrics-server" --version)"
echo "    helm: $("$INSTALL_DIR/helm" version --short)"
log "build time $(( $(date +%s) - START ))s; disk: binaries $(du -sh "$INSTALL_DIR" | cut -f1), Go caches $(du -sh "$GOPATH" 2>/dev/null | cut -f1)"
