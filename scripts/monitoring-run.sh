#!/usr/bin/env bash
# The picture of the Grafana dashboard (docs/monitoring/dashboard.png), from a real run: builds Prometheus
# from its Go module (scripts/prometheus.sh), the control plane (scripts/control-plane.sh), the operator and
# the benchmarks jar, then runs `ferry-bench monitoring-run`: a real kube-apiserver + etcd with the packaged
# operator running a ServerFleet whose pods run as reference-server processes on loopback addresses, a real
# redis-server, client load, and Prometheus scraping the pods and the operator every second with the alert
# rules of deploy/monitoring/prometheus-rule.yaml loaded. The fleet is scaled 3 -> 2 (the operator drains a
# pod and deletes it) and back to 3 (it rebalances sessions onto the new pod), and the context store is
# stopped for 75 s. Every panel of deploy/monitoring/grafana-dashboard.json is then queried over the run
# (/api/v1/query_range) and drawn. The query results, with commit, machine, arguments and times, go to
# docs/monitoring/dashboard-run.json. About 4 minutes on 2 cores, plus the builds the first time.
#
#   scripts/monitoring-run.sh                 run, keep the results, draw the picture
#   scripts/monitoring-run.sh --render-only   draw the picture again from the kept results
#   scripts/monitoring-run.sh --no-operator   servers only, drained through their admin API directly
#   other options go to the run (java -jar bench/target/ferry-bench.jar monitoring-run --help)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

case "${1:-}" in -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac

newer_sources() { # $1: stamp file, rest: directories
  local stamp=$1; shift
  [ -n "$(find "$@" \( -name '*.java' -o -name 'pom.xml' -o -name '*.properties' \) -newer "$stamp" -print -quit 2>/dev/null)" ]
}
if [ ! -f bench/target/ferry-bench.jar ] || newer_sources bench/target/ferry-bench.jar pom.xml protocol store server client server-image bench testkit control-plane; then
  echo "building the benchmarks jar (skipping tests)..."
  $MVN -q -Dstyle.color=never package -DskipTests -pl bench -am
fi

operator=true
args=()
for a in "$@"; do
  if [ "$a" = --no-operator ]; then operator=false; else args+=("$a"); fi
done
run_args=()
if [[ " $* " != *" --render-only "* ]]; then
  scripts/setup-redis.sh >/dev/null
  prometheus="$(scripts/prometheus.sh | tail -n1)"
  run_args=(--prometheus "$prometheus")
  if $operator; then
    scripts/control-plane.sh >/dev/null
    jar=operator/target/quarkus-app/quarkus-run.jar
    if [ ! -f "$jar" ] || newer_sources "$jar" pom.xml operator; then
      echo "building the operator (skipping tests)..."
      $MVN -q -Dstyle.color=never package -DskipTests -pl operator -am
    fi
    run_args+=(--operator-jar "$jar")
  fi
fi
exec "$JAVA_HOME/bin/java" -jar bench/target/ferry-bench.jar monitoring-run ${run_args[@]+"${run_args[@]}"} \
  --command "scripts/monitoring-run.sh $*" ${args[@]+"${args[@]}"}
