#!/usr/bin/env bash
# Runs every test tier of Ferry on this machine, setting up what the tiers need first:
# Debian's redis-server, and (when the control-plane module is part of the build) a
# kube-apiserver + etcd built from the Go module proxy. Idempotent; caches survive between runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

start=$(date +%s)
echo "== ferry test: java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
scripts/setup-redis.sh
if grep -q '<module>control-plane</module>' pom.xml; then
  scripts/control-plane.sh
fi
echo "== ferry test: maven build and tests"
$MVN install "$@"
echo "== ferry test: all green in $(( $(date +%s) - start )) s"
