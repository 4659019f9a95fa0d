#!/usr/bin/env bash
# The picture of the Grafana dashboard (docs/monitoring/dashboard.png), from a real run: builds Prometheus
# from its Go module (scripts/prometheus.sh) and the benchmarks jar, then runs `ferry-bench monitoring-run`:
# a real redis-server, three reference-server processes under client load on loopback, Prometheus scraping
# them every second (with deploy/monitoring/prometheus-rule.yaml loaded), a drain of one server and its
# removal, a server added and sessions moved onto it, and the context store stopped for 75 s. Every panel of
# deploy/monitoring/grafana-dashboard.json is then queried over the run (/api/v1/query_range) and drawn.
# The query results, with commit, machine, arguments and times, go to docs/monitoring/dashboard-run.json.
# About 4 minutes on 2 cores, plus the builds the first time.
#
#   scripts/monitoring-run.sh                 run, keep the results, draw the picture
#   scripts/monitoring-run.sh --render-only   draw the picture again from the kept results
#   scripts/monitoring-run.sh --clients 60    other options go to the run (see: java -jar bench/target/ferry-bench.jar monitoring-run --help)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

case "${1:-}" in -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac

newer_sources() { # $1: stamp file, rest: directories
  local stamp=$1; shift
  [ -n "$(find "$@" \( -name '*.java' -o -name 'pom.xml' -o -name '*.properties' \) -newer "$stamp" -print -quit 2>/dev/null)" ]
}
if [ ! -f bench/target/ferry-bench.jar ] || newer_sources bench/target/ferry-bench.jar pom.xml protocol store server client server-image bench testkit; then
  echo "building the benchmarks jar (skipping tests)..."
  $MVN -q -Dstyle.color=never package -DskipTests -pl bench -am
fi

run_args=()
if [[ " $* " != *" --render-only "* ]]; then
  scripts/setup-redis.sh >/dev/null
  prometheus="$(scripts/prometheus.sh | tail -n1)"
  run_args=(--prometheus "$prometheus")
fi
exec "$JAVA_HOME/bin/java" -jar bench/target/ferry-bench.jar monitoring-run "${run_args[@]}" \
  --command "scripts/monitoring-run.sh $*" "$@"
