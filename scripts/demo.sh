#!/usr/bin/env bash
# The local demo: a Ferry fleet run by the operator on this machine. It starts a real control
# plane (kube-apiserver + etcd, kube-scheduler, kube-controller-manager, RBAC on), a real
# redis-server, the operator's reconciler under its own ServiceAccount and a 3-pod ServerFleet
# whose pods are reference-server processes on 127.0.0.x; a few hundred clients run commands and
# streams while the fleet goes through a rolling upgrade and a scale-down (3 -> 2), with live
# progress and a summary (commands run, commands failed, migrations, longest pause).
#
#   scripts/demo.sh [--clients N] [--help]     the operator demo (operator/src/test/.../demo/OperatorDemo.java)
#   scripts/demo.sh --data-plane [--help]      the data-plane demo only: redis, 3 servers, clients, rolling drains
#
# Sets up what it needs first, like scripts/test.sh: redis-server, the control-plane binaries,
# and the build (skipping tests) when jars are missing or sources are newer.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

newer_sources() { # $1: stamp file, rest: directories
  local stamp=$1; shift
  [ -n "$(find "$@" \( -name '*.java' -o -name 'pom.xml' -o -name '*.yml' -o -name '*.properties' \) -newer "$stamp" -print -quit 2>/dev/null)" ]
}

scripts/setup-redis.sh >/dev/null

if [ "${1:-}" = "--data-plane" ]; then
  shift
  if [ ! -f bench/target/ferry-bench.jar ] || newer_sources bench/target/ferry-bench.jar pom.xml protocol store server client server-image bench testkit; then
    echo "building (skipping tests; run scripts/test.sh for those)..."
    $MVN -q -Dstyle.color=never install -DskipTests -pl bench -am
  fi
  exec "$JAVA_HOME/bin/java" -XX:+UseZGC -Xmx2g -jar bench/target/ferry-bench.jar demo "$@"
fi

scripts/control-plane.sh >/dev/null

work=operator/target/demo
stamp=$work/.built
classpath_file=$work/classpath
modules=(pom.xml protocol store server client server-image testkit control-plane operator/pom.xml operator/src crds)
if [ ! -f "$stamp" ] || [ ! -f operator/target/test-classes/dev/ferry/operator/demo/OperatorDemo.class ] \
    || ! ls server-image/target/ferry-server-image-*-runnable.jar >/dev/null 2>&1 \
    || newer_sources "$stamp" "${modules[@]}"; then
  echo "building (skipping tests; run scripts/test.sh for those)..."
  $MVN -q -Dstyle.color=never install -DskipTests -pl operator,server-image -am
  mkdir -p "$work"
  rm -f "$classpath_file"
  touch "$stamp"
fi
if [ ! -s "$classpath_file" ] || [ operator/pom.xml -nt "$classpath_file" ] || [ pom.xml -nt "$classpath_file" ]; then
  mkdir -p "$work"
  $MVN -q -pl operator dependency:build-classpath -Dstyle.color=never -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/$classpath_file.tmp" >/dev/null
  mv "$classpath_file.tmp" "$classpath_file"
fi

java_opts=(-XX:+UseZGC -Xmx2g -Dio.netty.leakDetection.level=simple
  -Djava.util.logging.manager=org.jboss.logmanager.LogManager -Dferry.repo.root="$PWD")
if "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[4-9]|[3-9][0-9])'; then
  java_opts+=(--sun-misc-unsafe-memory-access=allow)
fi
exec "$JAVA_HOME/bin/java" "${java_opts[@]}" \
  -cp "operator/target/test-classes:operator/target/classes:$(cat "$classpath_file")" \
  dev.ferry.operator.demo.OperatorDemo "$@"
