#!/usr/bin/env bash
# Runs every test tier of Ferry on this machine, setting up what the tiers need first:
# Debian's redis-server, iproute2 and iptables (network-cut test), the Kubernetes binaries built from
# Go modules (kube-apiserver, etcd, scheduler, controller manager; kubelet, kube-proxy, CoreDNS), and
# Podman with locally built base images. The last tier (module node/) brings up a real two-node
# cluster with scripts/node.sh (containerd from Debian's packages) and takes it down again; so does
# this script's exit, should the build stop before that. Idempotent; caches survive between runs.
# A tier whose setup fails fails the run: nothing is skipped unless a person says so, with
# FERRY_CONTAINERS_SKIP=REASON (container tier) or FERRY_NETNS_SKIP=REASON (network-cut test).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

start=$(date +%s)
echo "== ferry test: java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
scripts/setup-redis.sh
scripts/setup-netns.sh
# A person who leaves the network-cut test out says so (FERRY_NETNS_SKIP=REASON); the test reports the reason.
netns_args=()
if [ -n "${FERRY_NETNS_SKIP:-}" ]; then netns_args=("-Dferry.netns.skip=$FERRY_NETNS_SKIP"); fi
if grep -q '<module>control-plane</module>' pom.xml; then
  scripts/control-plane.sh
fi
# Container tier: Podman, its configuration, the API socket and the local base images; prints -Pimage.
# A setup that fails stops here: a build that quietly left the tier out would be green without it.
# Leaving it out is a person's decision, stated in FERRY_CONTAINERS_SKIP=REASON or in a
# -Dferry.containers.skip=REASON argument; the suite then reports itself skipped with that reason.
container_args=()
if [ -n "${FERRY_CONTAINERS_SKIP:-}" ]; then
  container_args=("-Dferry.containers.skip=$FERRY_CONTAINERS_SKIP")
  echo "== ferry test: container tier SKIPPED on request (FERRY_CONTAINERS_SKIP): $FERRY_CONTAINERS_SKIP"
elif [[ " $* " == *" -Dferry.containers.skip="* ]]; then
  echo "== ferry test: container tier SKIPPED on request (-Dferry.containers.skip on the command line)"
else
  if ! container_args_text=$(scripts/containers.sh --maven-args); then
    echo "== ferry test: FAILED: the container tier cannot run here (scripts/containers.sh said why above)." \
         "Fix it, or leave the tier out on purpose: FERRY_CONTAINERS_SKIP=REASON scripts/test.sh" >&2
    exit 1
  fi
  mapfile -t container_args <<< "$container_args_text"
  echo "== ferry test: container tier: ${container_args[*]}"
fi
# The node tier takes its cluster down itself (unless -Dferry.node.keep=true); this covers a build that
# stopped before it could.
if [[ " $* " != *" -Dferry.node.keep=true "* ]]; then
  trap 'scripts/node.sh down >/dev/null 2>&1 || true' EXIT
fi
echo "== ferry test: maven build and tests"
$MVN install "${container_args[@]}" "${netns_args[@]}" "$@"
echo "== ferry test: all green in $(( $(date +%s) - start )) s"
