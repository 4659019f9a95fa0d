#!/usr/bin/env bash
# Runs every test tier of Ferry on this machine, setting up what the tiers need first:
# Debian's redis-server, iproute2 and iptables (network-cut test), the Kubernetes binaries built from
# Go modules (kube-apiserver, etcd, scheduler, controller manager; kubelet, kube-proxy, CoreDNS), and
# Podman with locally built base images. The last tier (module node/) brings up a real two-node
# cluster with scripts/node.sh (containerd from Debian's packages) and takes it down again; so does
# this script's exit, should the build stop before that. Idempotent; caches survive between runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

start=$(date +%s)
echo "== ferry test: java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
scripts/setup-redis.sh
scripts/setup-netns.sh
if grep -q '<module>control-plane</module>' pom.xml; then
  scripts/control-plane.sh
fi
# Container tier: Podman, its configuration, the API socket and the local base images. Prints
# -Pimage, or -Dferry.containers.skip=REASON only where this machine cannot run containers
# (and says so on stderr).
container_args_text=$(scripts/containers.sh --maven-args)
mapfile -t container_args <<< "$container_args_text"
echo "== ferry test: container tier: ${container_args[*]}"
# The node tier takes its cluster down itself (unless -Dferry.node.keep=true); this covers a build that
# stopped before it could.
if [[ " $* " != *" -Dferry.node.keep=true "* ]]; then
  trap 'scripts/node.sh down >/dev/null 2>&1 || true' EXIT
fi
echo "== ferry test: maven build and tests"
$MVN install "${container_args[@]}" "$@"
echo "== ferry test: all green in $(( $(date +%s) - start )) s"
