#!/usr/bin/env bash
# What one change gave: the same benchmark run on two commits, alternately, on this machine.
#
#   scripts/bench-lever.sh NAME BEFORE AFTER "WHAT CHANGED" [--repeat N] [-- SCENARIO ARGS...]
#
#   NAME      a short name; the results go to bench/results/levers/NAME/
#   BEFORE    commit (any git revision) without the change
#   AFTER     commit with it
#   --repeat  runs of each commit, alternated before/after/before/after... (default 3)
#   SCENARIO  a ferry-bench scenario and its arguments (default: idle-drain --limited-rate 0, i.e. the
#             unpaced drains and their reconnect baselines only)
#
# Each commit is checked out in a worktree under $FERRY_LEVER_DIR (default /tmp/ferry-levers) and built
# there (mvn package, nothing installed), so its jars and the result's recorded commit are its own.
# Alternating the runs spreads the machine's other load over both sides; every run also measures its
# scenario's own baseline, so the report shows both. `ferry-bench.jar report` renders every lever into
# the "Levers tried" section of docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }
[ $# -ge 4 ] || { usage >&2; exit 2; }
name=$1 before=$2 after=$3 what=$4
shift 4
repeat=3
scenario=(idle-drain --limited-rate 0)
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) repeat=$2; shift 2 ;;
    --) shift; [ $# -gt 0 ] && scenario=("$@"); break ;;
    *) echo "bench-lever.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$name" =~ ^[a-z0-9][a-z0-9-]*$ ]] || { echo "bench-lever.sh: NAME must be lower-case letters, digits and dashes, was '$name'" >&2; exit 2; }
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || { echo "bench-lever.sh: --repeat must be a positive number, was '$repeat'" >&2; exit 2; }

scripts/setup-redis.sh >/dev/null
root=${FERRY_LEVER_DIR:-/tmp/ferry-levers}
mkdir -p "$root"

# Prints the worktree of a commit, built.
build() {
  local rev commit dir
  rev=$1
  commit=$(git rev-parse --verify "$rev^{commit}") || { echo "bench-lever.sh: '$rev' is not a commit" >&2; exit 2; }
  dir="$root/${commit:0:12}"
  if [ ! -d "$dir" ]; then
    git worktree add --detach --quiet "$dir" "$commit" >&2
  fi
  if [ ! -f "$dir/bench/target/ferry-bench.jar" ]; then
    echo "building ${commit:0:12} in $dir ..." >&2
    (cd "$dir" && $MVN -o -q -Dstyle.color=never package -DskipTests -pl bench -am) >&2
  fi
  echo "$dir"
}

before_dir=$(build "$before")
after_dir=$(build "$after")
out="bench/results/levers/$name"
scratch="$root/runs-$name"
rm -rf "$scratch"
mkdir -p "$out" "$scratch"
rm -f "$out"/before-*.json "$out"/after-*.json

for i in $(seq 1 "$repeat"); do
  for side in before after; do
    dir=${side}_dir
    dir=${!dir}
    echo "== $name: $side ($(git -C "$dir" rev-parse --short HEAD)), run $i of $repeat (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    server_jar=$(ls "$dir"/server-image/target/ferry-server-image-*-runnable.jar)
    (cd "$dir" && "$JAVA_HOME/bin/java" -jar bench/target/ferry-bench.jar "${scenario[@]}" \
        --server-jar "$server_jar" --results "$scratch/$side-$i" \
        --command "scripts/bench-lever.sh $name $before $after ... -- ${scenario[*]}") \
      > "$scratch/$side-$i.log" 2>&1 || { echo "bench-lever.sh: run failed; see $scratch/$side-$i.log" >&2; exit 1; }
    cp "$scratch/$side-$i/${scenario[0]}.json" "$out/$side-$i.json"
  done
done

# The description is written by this checkout's bench (the commits compared may predate it).
if [ ! -f bench/target/ferry-bench.jar ]; then
  $MVN -o -q -Dstyle.color=never install -DskipTests -pl bench -am
fi
"$JAVA_HOME/bin/java" -cp bench/target/ferry-bench.jar dev.ferry.bench.report.LeverFile \
  "$out/lever.json" "$name" "$what" "$(git rev-parse "$before")" "$(git rev-parse "$after")" "$repeat" "${scenario[@]}"
echo "wrote $out ($repeat runs of each side); render with: scripts/bench.sh --report"
