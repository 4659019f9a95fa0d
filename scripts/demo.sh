#!/usr/bin/env bash
# The Ferry demo on a real Kubernetes cluster on this machine: scripts/node.sh brings up the control plane and two
# nodes (kubelet, containerd, kube-proxy, CoreDNS) in network namespaces of their own; Ferry is installed the way
# the README says (kubectl apply -k deploy/: the operator image with two replicas, and Redis); the example fleet
# deploy/examples/basic-fleet.yaml gets a few hundred clients through its Service, then a rolling upgrade to a new
# server image, a scale-down with kubectl, and autoscaling on sessions (as many clients again scale the fleet up,
# their leaving scales it down), with live progress, the operator's Events and a summary (commands
# run, commands failed, migrations, longest pause). The cluster goes down at the end (--keep leaves it up).
#
#   scripts/demo.sh [--clients N] [--keep] [--help]   the cluster demo (node/src/main/java/.../demo/NodeDemo.java)
#   scripts/demo.sh --data-plane [--help]             the data plane alone: redis, 3 server processes, clients, drains
#
# Sets up what it needs first, like scripts/test.sh: Podman and the base images (scripts/containers.sh), the
# Kubernetes binaries (scripts/control-plane.sh, through scripts/node.sh), and the build of the images and the demo
# (skipping tests) when they are missing or older than the sources.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

newer_sources() { # $1: stamp file, rest: directories
  local stamp=$1; shift
  [ -n "$(find "$@" \( -name '*.java' -o -name 'pom.xml' -o -name '*.yml' -o -name '*.yaml' -o -name '*.properties' \) -newer "$stamp" -print -quit 2>/dev/null)" ]
}

if [ "${1:-}" = "--data-plane" ]; then
  shift
  scripts/setup-redis.sh >/dev/null
  if [ ! -f bench/target/ferry-bench.jar ] || newer_sources bench/target/ferry-bench.jar pom.xml protocol store server client server-image bench testkit; then
    echo "building (skipping tests; run scripts/test.sh for those)..."
    $MVN -q -Dstyle.color=never install -DskipTests -pl bench -am
  fi
  exec "$JAVA_HOME/bin/java" -XX:+UseZGC -Xmx2g -jar bench/target/ferry-bench.jar demo "$@"
fi

keep=false
demo_args=()
for arg in "$@"; do
  case "$arg" in
    --keep) keep=true ;;
    -h|--help)
      sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
      exec "$JAVA_HOME/bin/java" -jar node/target/ferry-node-demo.jar --help 2>/dev/null || exit 0 ;;
    *) demo_args+=("$arg") ;;
  esac
done

[ "$(id -u)" = 0 ] || { echo "demo: needs root (it runs a Kubernetes node: network namespaces, containerd, the kubelet)" >&2; exit 1; }
t0=$(date +%s)
echo "== preparing Podman and the base images (scripts/containers.sh)"
scripts/containers.sh >/dev/null
stamp=node/target/ferry-node-demo.jar
if [ ! -f "$stamp" ] || ! podman image exists localhost/ferry/server:0.1.0-SNAPSHOT || ! podman image exists localhost/ferry/operator:0.1.0-SNAPSHOT \
    || newer_sources "$stamp" pom.xml protocol store server client server-image operator/pom.xml operator/src/main node/pom.xml node/src/main; then
  echo "== building the server and operator images and the demo (skipping tests; run scripts/test.sh for those)"
  $MVN -q -Dstyle.color=never install -DskipTests -Dferry.node.skip=true -Pimage -pl server-image,operator,node -am
fi
echo "== bringing up the cluster (scripts/node.sh up)"
scripts/node.sh up
if ! $keep; then
  trap 'echo "== taking the cluster down (scripts/node.sh down; --keep leaves it up)"; scripts/node.sh down' EXIT
fi
echo "== ready in $(( $(date +%s) - t0 )) s; the demo runs inside the cluster's network (scripts/node.sh exec)"
status=0
scripts/node.sh exec "$JAVA_HOME/bin/java" -XX:+UseZGC -Xmx1g --sun-misc-unsafe-memory-access=allow \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dferry.repo.root="$PWD" \
  -jar node/target/ferry-node-demo.jar "${demo_args[@]}" || status=$?
exit $status
