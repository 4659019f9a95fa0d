#!/usr/bin/env bash
# Operator-level benchmarks on the real Kubernetes cluster of this machine (scripts/node.sh): the operator from its
# image as deploy/ installs it, fleets of server containers, clients through Services. Each writes
# bench/results/<file>.json (figures next to their baseline from the same run, charts, notes, commit and arguments)
# and prints a summary; the bench module's report generator turns the JSON into docs/benchmarks.md.
#
#   scripts/bench-operator.sh [rollout|operator-cost|autoscale|all] [--clients N] [--quick] [--no-build] [other options]
#
#   rollout         rolling upgrade of a 3-pod ServerFleet by a new server image under N busy clients (default 3000),
#                   and in the same run the same rollout with both timers 0 (migration disabled) as the baseline.
#                   Runs both orders, each a run of its own: Ferry's fleet first (bench/results/rollout.json), then
#                   the baseline first (bench/results/rollout-baseline-first.json). --ferry-first or --baseline-first
#                   runs only that order.
#   operator-cost   the operator (2 replicas in ferry-system) with 20 ServerFleets vs 1: API requests by verb and
#                   resource, reconciles and their latency, CPU and memory (bench/results/operator-cost.json)
#   autoscale       a surge of clients on a 1-pod fleet: spec.autoscaling on sessions per pod against, in the same
#                   run, the same fleet scaled by a HorizontalPodAutoscaler on CPU (bench/results/autoscale.json;
#                   --baseline-first runs the HPA's fleet first and writes autoscale-baseline-first.json). The HPA reads
#                   CPU from the cluster's metrics-server (scripts/node.sh installs it); not in "all"
#   all             rollout and operator-cost (the default)
#   --quick         a small run of each (300 clients, 4 fleets, short windows) to check that it works; it writes
#                   node/target/bench/results-quick/, not bench/results/
#   --no-build      use the jar and images as they are (e.g. on a cluster shared with someone who builds)
#   --help          this; scripts/bench-operator.sh rollout --help (or operator-cost, autoscale): the benchmark's options
#
# Sets up what it needs first, like scripts/demo.sh: Podman and the base images (scripts/containers.sh), the build of
# the server and operator images and of node/target/ferry-node-bench.jar (skipping tests) when they are missing or
# older than the sources, and the cluster (scripts/node.sh up, idempotent; it stays up afterwards). The benchmarks
# run inside the cluster's network namespace (scripts/node.sh exec), as an in-cluster client does. A full run of
# everything takes about 25 minutes; see docs/node.md ("Operator benchmarks").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

scenario=all
case "${1:-}" in
  rollout|operator-cost|autoscale|all) scenario=$1; shift ;;
  -h|--help) sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  -*|"") ;;
  *) echo "unknown scenario '$1': use rollout, operator-cost, autoscale or all (see --help)" >&2; exit 2 ;;
esac

build=true
orders=(ferry-first baseline-first)
args=()
for arg in "$@"; do
  case "$arg" in
    --no-build) build=false ;;
    --ferry-first) orders=(ferry-first) ;;
    --baseline-first) orders=(baseline-first) ;;
    *) args+=("$arg") ;;
  esac
done
wants_help=false
for arg in ${args[@]+"${args[@]}"}; do
  case "$arg" in -h|--help) wants_help=true ;; esac
done

newer_sources() { # $1: stamp file, rest: directories
  local stamp=$1; shift
  [ -n "$(find "$@" \( -name '*.java' -o -name 'pom.xml' -o -name '*.yml' -o -name '*.yaml' -o -name '*.properties' \) -newer "$stamp" -print -quit 2>/dev/null)" ]
}

jar=node/target/ferry-node-bench.jar
if ! $wants_help; then
  [ "$(id -u)" = 0 ] || { echo "bench-operator: needs root (it runs a Kubernetes node: network namespaces, containerd, the kubelet)" >&2; exit 1; }
  if $build; then
    echo "== preparing Podman and the base images (scripts/containers.sh)"
    scripts/containers.sh >/dev/null
    if [ ! -f "$jar" ] || ! podman image exists localhost/ferry/server:0.1.0-SNAPSHOT || ! podman image exists localhost/ferry/operator:0.1.0-SNAPSHOT \
        || newer_sources "$jar" pom.xml protocol store server client server-image operator/pom.xml operator/src/main node/pom.xml node/src/main; then
      echo "== building the server and operator images and the benchmark jar (skipping tests; run scripts/test.sh for those)"
      $MVN -q -Dstyle.color=never install -DskipTests -Dferry.node.skip=true -Pimage -pl server-image,operator,node -am
    fi
  fi
  [ -f "$jar" ] || { echo "bench-operator: no $jar; run without --no-build" >&2; exit 1; }
  echo "== bringing up the cluster (scripts/node.sh up; it stays up)"
  scripts/node.sh up
fi

# A benchmark runs for minutes: it runs from a copy of the jar, so a build meanwhile cannot take a class from under it.
work=node/target/bench
mkdir -p "$work"
cp "$jar" "$work/ferry-node-bench.jar"
java_opts=(-XX:+UseZGC -Xmx3g -Dio.netty.leakDetection.level=disabled -Dferry.repo.root="$PWD")
if "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[4-9]|[3-9][0-9])'; then
  java_opts+=(--sun-misc-unsafe-memory-access=allow)
fi
run() { # the benchmark's arguments; inside the cluster's network namespace, as an in-cluster client
  if $wants_help; then "$JAVA_HOME/bin/java" -jar "$work/ferry-node-bench.jar" "$@"; return; fi
  scripts/node.sh exec "$JAVA_HOME/bin/java" "${java_opts[@]}" -jar "$work/ferry-node-bench.jar" "$@"
}

# Options of one scenario are not the other's: with "all", each gets only its own.
only_for_rollout=(--clients --think-time-ms --steady-seconds --warm-up-seconds --migration-rate)
only_for_cost=(--fleets --idle-seconds --burst-tail-seconds)
without() { # $1: name of an array of option names (each takes a value); rest: arguments
  local -n drop=$1; shift
  local out=() skip
  while [ $# -gt 0 ]; do
    skip=false
    for o in "${drop[@]}"; do [ "$1" = "$o" ] && skip=true; done
    if $skip; then shift 2; continue; fi
    out+=("$1"); shift
  done
  printf '%s\0' ${out[@]+"${out[@]}"}
}

status=0
if [ "$scenario" = rollout ] || [ "$scenario" = all ]; then
  rollout_args=()
  if [ "$scenario" = all ]; then
    while IFS= read -r -d '' a; do rollout_args+=("$a"); done < <(without only_for_cost ${args[@]+"${args[@]}"})
  else
    rollout_args=(${args[@]+"${args[@]}"})
  fi
  for order in "${orders[@]}"; do
    flag=()
    [ "$order" = baseline-first ] && flag=(--baseline-first)
    command="scripts/bench-operator.sh rollout${flag[*]:+ ${flag[*]}}${rollout_args[*]:+ ${rollout_args[*]}}"
    echo "== rollout, ${order/-/ } (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    run rollout ${flag[@]+"${flag[@]}"} --command "$command" ${rollout_args[@]+"${rollout_args[@]}"} || status=$?
    $wants_help && break
  done
fi
if [ "$scenario" = operator-cost ] || [ "$scenario" = all ]; then
  cost_args=()
  if [ "$scenario" = all ]; then
    while IFS= read -r -d '' a; do cost_args+=("$a"); done < <(without only_for_rollout ${args[@]+"${args[@]}"})
  else
    cost_args=(${args[@]+"${args[@]}"})
  fi
  echo "== operator-cost (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  run operator-cost --command "scripts/bench-operator.sh operator-cost${cost_args[*]:+ ${cost_args[*]}}" ${cost_args[@]+"${cost_args[@]}"} || status=$?
fi
if [ "$scenario" = autoscale ]; then
  # One order per run: Ferry's fleet first, unless --baseline-first alone was given.
  flag=()
  [ "${orders[*]}" = baseline-first ] && flag=(--baseline-first)
  command="scripts/bench-operator.sh autoscale${flag[*]:+ ${flag[*]}}${args[*]:+ ${args[*]}}"
  echo "== autoscale${flag[*]:+ ${flag[*]}} (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  run autoscale ${flag[@]+"${flag[@]}"} --command "$command" ${args[@]+"${args[@]}"} || status=$?
fi
exit $status
