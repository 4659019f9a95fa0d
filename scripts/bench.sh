#!/usr/bin/env bash
# The benchmarks, one command: every data-plane scenario with its baseline in the same run, then
# the operator benchmarks (scripts/bench-operator.sh, when present: the rollout in both orders and
# the operator cost), then the report.
#
#   scripts/bench.sh                      every scenario at full size (the published results)
#   scripts/bench.sh --quick              smaller sizes: a smoke run of everything; its results are marked smoke-sized
#   scripts/bench.sh idle-drain capacity  a subset (scenarios: idle-drain in-batch capacity throughput slow-readers operator)
#   scripts/bench.sh --report             only re-render docs/benchmarks.md from bench/results/*.json
#
# Each scenario writes bench/results/<scenario>.json with its commit, working-tree state, JVM and exact
# arguments; the rollout writes rollout.json (Ferry's fleet first, the default order) and
# rollout-baseline-first.json. `ferry-bench.jar report` renders all of them into docs/benchmarks.md and
# PNG charts in docs/bench/. Console output of each scenario is kept in bench/target/bench-logs/<scenario>.log.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

all=(idle-drain in-batch capacity throughput slow-readers operator)
quick=false
report_only=false
chosen=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=true ;;
    --report) report_only=true ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
    *)
      if [[ " ${all[*]} " != *" $arg "* ]]; then
        echo "bench.sh: unknown scenario '$arg'; scenarios: ${all[*]}" >&2; exit 2
      fi
      chosen+=("$arg") ;;
  esac
done
[ ${#chosen[@]} -eq 0 ] && chosen=("${all[@]}")

newer_sources() { # $1: stamp file, rest: directories
  local stamp=$1; shift
  [ -n "$(find "$@" \( -name '*.java' -o -name 'pom.xml' -o -name '*.properties' \) -newer "$stamp" -print -quit 2>/dev/null)" ]
}

if [ ! -f bench/target/ferry-bench.jar ] || newer_sources bench/target/ferry-bench.jar pom.xml protocol store server client server-image bench testkit; then
  echo "building the benchmarks (skipping tests)..."
  $MVN -q -Dstyle.color=never install -DskipTests -pl bench -am
fi

bench() { "$JAVA_HOME/bin/java" -jar bench/target/ferry-bench.jar "$@"; }

if ! $report_only; then
  scripts/setup-redis.sh >/dev/null
  command -v redis-benchmark >/dev/null || { echo "bench.sh: redis-benchmark missing (Debian package redis-tools)" >&2; exit 1; }
  mkdir -p bench/results bench/target/bench-logs
  suffix=""; $quick && suffix=" --quick"
  smoke=(); $quick && smoke=(--smoke) # the result says it is smoke-sized; the report shows it
  for s in "${chosen[@]}"; do
    args=()
    case "$s" in
      idle-drain)
        if $quick; then args=(--sessions 1000 --rounds 1 --warmup 1 --warmup-max 1); fi
        # The Go client drains in the same run, beside the Java client.
        (cd client-go && go build -o ../bench/target/ferry-bench-worker ./cmd/ferry-bench-worker)
        args+=(--go-worker bench/target/ferry-bench-worker) ;;
      in-batch)     if $quick; then args=(--sessions 100 --before PT2S --after PT1S --rounds 1); fi ;;
      capacity)     if $quick; then args=(--steps 1000,2000 --workers 2); fi ;;
      throughput)   if $quick; then args=(--warmup PT1S --measure PT2S --redis-requests 50000); fi ;;
      slow-readers) if $quick; then args=(--clients 100); fi ;;
      operator)
        if [ -x scripts/bench-operator.sh ]; then
          echo "== operator (scripts/bench-operator.sh$suffix)"
          if $quick; then
            scripts/bench-operator.sh --quick
          else
            # The first fleet of a rollout run has the disturbed steady state: the rollout runs in both
            # orders by itself (rollout.json with Ferry's fleet first, rollout-baseline-first.json).
            scripts/bench-operator.sh rollout
            scripts/bench-operator.sh operator-cost
          fi
        else
          echo "== operator: scripts/bench-operator.sh is not there; skipped"
        fi
        continue ;;
    esac
    echo "== $s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    # The whole output goes to the log; the console shows progress and the tables.
    if ! bench "$s" ${args[@]+"${args[@]}"} ${smoke[@]+"${smoke[@]}"} --command "scripts/bench.sh $s$suffix" 2>&1 | tee "bench/target/bench-logs/$s.log" \
        | { grep -E --line-buffered '^(wrote|\| |Targets|\[main\] (INFO|WARN) dev\.ferry\.bench)' || true; }; then
      echo "bench.sh: $s failed; see bench/target/bench-logs/$s.log" >&2
      exit 1
    fi
  done
fi

bench report
