#!/usr/bin/env bash
# Operator-level benchmarks on the real control plane (issue 6, items 3 and 5). Each writes
# bench/results/<scenario>.json (figures next to their baseline from the same run, charts, notes)
# and prints a summary; the bench module's report generator turns the JSON into docs/benchmarks.md.
#
#   scripts/bench-operator.sh [rollout|operator-cost|all] [--clients N] [--quick] [other options of the benchmark]
#
#   rollout         rolling upgrade of a 3-pod ServerFleet under N busy clients (default 3000), then the
#                   same rollout with both timers 0 (migration disabled) as the baseline
#   operator-cost   the packaged operator (quarkus-run.jar, its own process, under its ServiceAccount) with
#                   20 ServerFleets vs 1: API requests per reconcile, reconcile latency, memory
#   --quick         a small run of each (300 clients, 4 fleets, short windows) to check that it works;
#                   it writes operator/target/bench/results-quick/, not bench/results/
#   --help          the benchmark's own options (e.g. scripts/bench-operator.sh rollout --help)
#
# Sets up what it needs first, like scripts/demo.sh: redis-server, the control-plane binaries, and
# the build (skipping tests) when jars are missing or sources are newer.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

scenario=all
case "${1:-}" in
  rollout|operator-cost|all) scenario=$1; shift ;;
  -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  -*|"") ;;
  *) echo "unknown scenario '$1': use rollout, operator-cost or all (see --help)" >&2; exit 2 ;;
esac

newer_sources() { # $1: stamp file, rest: directories
  local stamp=$1; shift
  [ -n "$(find "$@" \( -name '*.java' -o -name 'pom.xml' -o -name '*.yml' -o -name '*.properties' \) -newer "$stamp" -print -quit 2>/dev/null)" ]
}

scripts/setup-redis.sh >/dev/null
scripts/control-plane.sh >/dev/null

work=operator/target/bench
stamp=$work/.built
classpath_file=$work/classpath
modules=(pom.xml protocol store server client server-image testkit control-plane operator/pom.xml operator/src crds)
if [ ! -f "$stamp" ] || [ ! -f operator/target/test-classes/dev/ferry/operator/bench/RolloutBenchmark.class ] \
    || [ ! -f operator/target/quarkus-app/quarkus-run.jar ] \
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

java_opts=(-XX:+UseZGC -Xmx3g -Dio.netty.leakDetection.level=disabled
  -Dferry.bench.commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- operator/src/main server 2>/dev/null || echo '+uncommitted changes')"
  -Djava.util.logging.manager=org.jboss.logmanager.LogManager -Dferry.repo.root="$PWD")
if "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[4-9]|[3-9][0-9])'; then
  java_opts+=(--sun-misc-unsafe-memory-access=allow)
fi
# A benchmark runs for minutes: it runs from a copy of the module's classes, so a build of the
# module meanwhile cannot take a class from under it.
rm -rf "$work/classes" "$work/test-classes"
cp -r operator/target/classes "$work/classes"
cp -r operator/target/test-classes "$work/test-classes"
run() { # $1: main class, rest: its arguments
  local main=$1; shift
  "$JAVA_HOME/bin/java" "${java_opts[@]}" \
    -cp "$work/test-classes:$work/classes:$(cat "$classpath_file")" "$main" "$@"
}

status=0
if [ "$scenario" = rollout ] || [ "$scenario" = all ]; then
  run dev.ferry.operator.bench.RolloutBenchmark --command "scripts/bench-operator.sh rollout $*" "$@" || status=$?
fi
if [ "$scenario" = operator-cost ] || [ "$scenario" = all ]; then
  # --clients is the rollout's; the operator-cost benchmark takes every other option.
  args=()
  while [ $# -gt 0 ]; do
    if [ "$1" = --clients ]; then shift 2; continue; fi
    args+=("$1"); shift
  done
  run dev.ferry.operator.bench.OperatorCostBenchmark --command "scripts/bench-operator.sh operator-cost ${args[*]:-}" "${args[@]}" || status=$?
fi
exit $status
