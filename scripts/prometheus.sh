#!/usr/bin/env bash
# Builds the Prometheus server from its Go module (github.com/prometheus/prometheus, pinned in
# scripts/prometheus/go.mod) with this machine's Go toolchain, for scripts/monitoring-run.sh, which
# scrapes a local Ferry run with it and renders the Grafana dashboard's panels from its query API.
#
# Only what that needs is built: service discovery is limited to static and file targets
# (-tags remove_all_sd), and the web UI's assets are left out (the HTTP API works without them).
# No prebuilt binary is downloaded: modules come from this machine's Go settings.
#
# Idempotent and cached: Go's module and build caches live under ~/.cache/ferry/go (shared with
# scripts/control-plane.sh), and a stamp next to the binary records the version, the Go version and a
# hash of the recipe; a re-run with nothing changed builds nothing.
#
# Usage: scripts/prometheus.sh [--print-path | --force | --help]
#   prints the path of the binary on its last line
set -euo pipefail

PROMETHEUS_MODULE_VERSION=v0.316.0

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RECIPE_DIR="$ROOT/scripts/prometheus"
CACHE_DIR="${FERRY_CACHE_DIR:-$HOME/.cache/ferry}"
INSTALL_DIR="$CACHE_DIR/prometheus/$PROMETHEUS_MODULE_VERSION"
BINARY="$INSTALL_DIR/prometheus"
STAMP="$INSTALL_DIR/.ferry-prometheus"
FORCE=false

case "${1:-}" in
  --print-path) echo "$BINARY"; exit 0 ;;
  --force) FORCE=true ;;
  -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "prometheus.sh: unknown argument: $1" >&2; exit 2 ;;
esac

log() { printf '[prometheus %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[prometheus] ERROR: %s\n' "$*" >&2; exit 1; }

GO="${GO:-$(command -v go || true)}"
[ -n "$GO" ] || GO=/usr/local/go/bin/go
[ -x "$GO" ] || die "Go toolchain not found (looked on PATH and at /usr/local/go/bin/go)"

export GOPATH="$CACHE_DIR/go"
export GOMODCACHE="$GOPATH/mod"
export GOCACHE="$GOPATH/build"
export GOFLAGS="-modcacherw -buildvcs=false"
export GOTOOLCHAIN=local
export CGO_ENABLED=0

grep -q "github.com/prometheus/prometheus $PROMETHEUS_MODULE_VERSION" "$RECIPE_DIR/go.mod" \
  || die "scripts/prometheus/go.mod does not pin github.com/prometheus/prometheus $PROMETHEUS_MODULE_VERSION"
recipe_hash="$(cd "$RECIPE_DIR" && sha256sum go.mod go.sum tools.go | sha256sum | cut -c1-16)"
stamp_text="prometheus=$PROMETHEUS_MODULE_VERSION go=$("$GO" env GOVERSION) tags=remove_all_sd version-ldflag recipe=$recipe_hash"

if ! $FORCE && [ -x "$BINARY" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$stamp_text" ]; then
  log "up to date: $BINARY ($stamp_text)"
  echo "$BINARY"
  exit 0
fi

mkdir -p "$INSTALL_DIR"
exec 9>"$INSTALL_DIR/.lock"
flock 9
# Work on a scratch copy of the recipe, so the repository stays clean whatever Go writes.
WORK="$CACHE_DIR/prometheus-src"
rm -rf "$WORK"
mkdir -p "$WORK"
cp "$RECIPE_DIR/go.mod" "$RECIPE_DIR/go.sum" "$RECIPE_DIR/tools.go" "$WORK/"
START=$(date +%s)
log "building github.com/prometheus/prometheus/cmd/prometheus $PROMETHEUS_MODULE_VERSION with $("$GO" env GOVERSION) (caches in $GOPATH)"
# The version its build info reports (/api/v1/status/buildinfo), so a run's results say which one scraped.
(cd "$WORK" && "$GO" build -tags remove_all_sd \
   -ldflags "-X github.com/prometheus/common/version.Version=module-$PROMETHEUS_MODULE_VERSION" \
   -o "$BINARY.new" github.com/prometheus/prometheus/cmd/prometheus) \
  || die "go build failed"
mv "$BINARY.new" "$BINARY"
"$BINARY" --version >/dev/null 2>&1 || die "the built binary does not run"
echo "$stamp_text" > "$STAMP"
log "built $BINARY in $(( $(date +%s) - START )) s"
echo "$BINARY"
