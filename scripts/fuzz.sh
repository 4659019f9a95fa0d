#!/usr/bin/env bash
# Runs a coverage-guided Jazzer campaign against each fuzz target and prints libFuzzer's figures.
#
#   scripts/fuzz.sh [--executions N] [--target decoder|session|session-write-through]...
#
# Each target is the fuzzerTestOneInput method of a @FuzzTest class, run by standalone Jazzer (the
# JUnit @FuzzTest runs are capped at their maxDuration; a campaign is capped by executions). The
# corpus grows in target/fuzz/<target>/corpus (seeded from the checked-in regression inputs);
# crashes land in target/fuzz/<target>/ as crash-<sha1>, and the log in target/fuzz/<target>.log.
# A crash becomes a regression input by moving it (with a name that says what it found) into the
# target's ...Inputs/ test-resource directory named below.
# A campaign that executed no more inputs than its corpus held at the start (Jazzer only replayed
# it) fails: N must be larger than the corpus, and Jazzer must really have fuzzed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

executions=1000000
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --executions) executions="$2"; shift 2 ;;
    --target) targets+=("$2"); shift 2 ;;
    -h|--help) sed -n 2,12p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fuzz.sh: unknown argument '$1' (use --executions N, --target decoder|session|session-write-through)" >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -eq 0 ] && targets=(decoder session session-write-through)
case "$executions" in ''|*[!0-9]*) echo "fuzz.sh: --executions needs a positive number, got '$executions'" >&2; exit 2 ;; esac

jazzer_jar="$HOME/.m2/repository/com/code-intelligence/jazzer/0.24.0/jazzer-0.24.0.jar"
[ -f "$jazzer_jar" ] || $MVN -q dependency:get -Dartifact=com.code-intelligence:jazzer:0.24.0

run() { # name module class inputs-dir leak-detection-level
  local name="$1" module="$2" class="$3" inputs="$4" leaks="$5"
  local out="$PWD/$module/target/fuzz/$name"
  mkdir -p "$out/corpus"
  $MVN -o -q -pl "$module" test-compile
  # A pinned plugin version: the bare prefix resolves to Maven's default 2.8, whose dependencies an offline build lacks.
  $MVN -o -q -pl "$module" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
       -Dmdep.includeScope=test -Dmdep.outputFile="$out/classpath.txt"
  local cp="$module/target/test-classes:$module/target/classes:$(cat "$out/classpath.txt")"
  local seeds=()
  [ -d "$inputs" ] && seeds=("$inputs")
  local corpus_at_start
  corpus_at_start=$(find "$out/corpus" "${seeds[@]}" -maxdepth 1 -type f | wc -l)
  echo "fuzz.sh: $name: $executions executions of $class (log: $out.log)"
  set +e
  nice -n 10 java -XX:+EnableDynamicAgentLoading -XX:-OmitStackTraceInFastThrow -Xmx1g \
       -Dio.netty.leakDetection.level="$leaks" --sun-misc-unsafe-memory-access=allow \
       -Dorg.slf4j.simpleLogger.defaultLogLevel=off -Dorg.slf4j.simpleLogger.log.io.netty.util.ResourceLeakDetector=error \
       -cp "$jazzer_jar:$cp" com.code_intelligence.jazzer.Jazzer \
       --target_class="$class" --instrumentation_includes='dev.ferry.**' \
       --reproducer_path="$out" \
       -runs="$executions" -timeout=30 -artifact_prefix="$out/" -print_final_stats=1 \
       "$out/corpus" "${seeds[@]}" > "$out.log" 2>&1
  local rc=$?
  set -e
  grep -E '^#[0-9]+ +(INITED|DONE)' "$out.log" || true
  grep -E '^(stat::|Done )' "$out.log" || true
  echo "fuzz.sh: $name: corpus $(ls "$out/corpus" | wc -l) files, crashes: $(ls "$out" | grep -c '^crash-' || true), exit $rc"
  # libFuzzer's last line: "Done N runs in S second(s)"; N counts the corpus replay too.
  local runs
  runs=$(grep -oE '^Done [0-9]+ runs' "$out.log" | grep -oE '[0-9]+' | tail -1 || true)
  if [ "$rc" -eq 0 ] && { [ -z "$runs" ] || [ "$runs" -le "$corpus_at_start" ]; }; then
    echo "fuzz.sh: $name: FAILED: Jazzer executed ${runs:-no} inputs, not more than the $corpus_at_start its corpus held" \
         "at the start: it replayed the corpus and did not fuzz (raise --executions above the corpus size; see $out.log)" >&2
    return 1
  fi
  [ -n "$runs" ] && echo "fuzz.sh: $name: $runs inputs executed, $((runs - corpus_at_start)) beyond the $corpus_at_start of the corpus at the start"
  return $rc
}

status=0
for t in "${targets[@]}"; do
  case "$t" in
    decoder) run decoder protocol dev.ferry.protocol.codec.FrameDecoderFuzzTarget \
        protocol/src/test/resources/dev/ferry/protocol/codec/FrameDecoderCoverageFuzzTestInputs/decoderAcceptsFramesOrFailsCleanly \
        paranoid || status=1 ;;
    session) run session server dev.ferry.server.SessionFuzzTarget \
        server/src/test/resources/dev/ferry/server/SessionCoverageFuzzTestInputs/sessionKeepsItsPromises \
        disabled || status=1 ;; # the target counts its own buffers exactly; paranoid tracking costs 3/4 of its speed
    session-write-through) run session-write-through server dev.ferry.server.WriteThroughSessionFuzzTarget \
        server/src/test/resources/dev/ferry/server/WriteThroughSessionCoverageFuzzTestInputs/sessionWithWriteThroughKeepsItsPromises \
        disabled || status=1 ;;
    *) echo "fuzz.sh: unknown target '$t' (decoder, session or session-write-through)" >&2; exit 2 ;;
  esac
done
exit $status
