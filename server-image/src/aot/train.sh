#!/usr/bin/env bash
# The training run of the server image's AOT cache (JDK 25, JEP 483/514/515), called by the image build
# (server-image/pom.xml, profile "image"; docs/containers.md, "AOT cache").
#
#   train.sh ENGINE IMAGE REDIS_IMAGE OUT_DIR [WARMUP_ITERATIONS] [LOAD_SECONDS]
#
# Runs IMAGE (the image being built, without its cache) exactly as it ships, same JVM and class path, with
# -XX:AOTCacheOutput=/aot/server.aot (OUT_DIR mounted at /aot) through a realistic workload, all on the loopback
# of a network namespace of its own (no address outside it, no port on the host):
#   - redis-server from REDIS_IMAGE as the context store;
#   - the server's own warm-up, WARMUP_ITERATIONS real client sessions: HELLO, commands, a transaction, a STREAM,
#     a STREAM that migrates out of the server and back into it through Redis;
#   - the client library's LoadGenerator (run from IMAGE, which holds the client) with concurrent sessions and
#     every kind of command for LOAD_SECONDS;
# then SIGTERM: the server drains and exits, and the JVM writes the cache on its way out. Finally the cache is
# checked with -XX:AOTMode=on, which refuses to start on a cache the JVM cannot use.
# Every container it starts, and IMAGE (loaded only for this run), are removed on exit, whatever happened.
set -euo pipefail

engine=$1 image=$2 redis_image=$3 out=$4 iterations=${5:-1000} load_seconds=${6:-15}
run_id="ferry-aot-$$"
redis="$run_id-redis" server="$run_id-server" load="$run_id-load"
say() { echo "aot-train: $*" >&2; }

cleanup() {
  # One name per call: given several, podman rm stops at the first that does not exist and still exits 0.
  for c in "$load" "$server" "$redis"; do "$engine" rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
  "$engine" rmi "$image" >/dev/null 2>&1 || true
}
trap cleanup EXIT

mkdir -p "$out"
rm -f "$out/server.aot" "$out/server.aot.config" "$out/training.log" "$out/load.json"
chmod 0777 "$out" # the image's user (65532) writes the cache

say "redis-server in its own network namespace"
"$engine" run -d --name "$redis" --network none "$redis_image" \
    --bind 127.0.0.1 --port 6379 --save '' --appendonly no >/dev/null

say "training run of $image: $iterations warm-up sessions, then $load_seconds s of LoadGenerator"
"$engine" run -d --name "$server" --network "container:$redis" -v "$out:/aot" \
    -e JAVA_TOOL_OPTIONS="-XX:AOTCacheOutput=/aot/server.aot" \
    -e FERRY_SERVER_NAME=aot-training -e FERRY_BIND=127.0.0.1 -e FERRY_PORT=7000 -e FERRY_ADMIN_PORT=7001 \
    -e FERRY_STORE_URI=redis://127.0.0.1:6379 -e FERRY_ADMIN_INSECURE=true \
    -e FERRY_WARMUP_ITERATIONS="$iterations" -e FERRY_WARMUP_MAX_SECONDS=600 \
    "$image" >/dev/null

# The warm-up runs before the READY line; bounded so a broken image fails the build instead of hanging it.
deadline=$((SECONDS + 900))
until "$engine" logs "$server" 2>&1 | grep '^FERRY READY ' >/dev/null; do
  if [ "$("$engine" inspect -f '{{.State.Running}}' "$server")" != true ]; then
    "$engine" logs "$server" >&2 || true
    say "the server exited before it was ready"; exit 1
  fi
  [ $SECONDS -lt $deadline ] || { "$engine" logs "$server" >&2; say "not ready after 900 s"; exit 1; }
  sleep 1
done
"$engine" logs "$server" 2>&1 | grep 'warm-up' >&2 || true

"$engine" run --name "$load" --network "container:$redis" --entrypoint java "$image" \
    -cp @/app/jib-classpath-file dev.ferry.client.tools.LoadGenerator \
    --address 127.0.0.1:7000 --sessions 32 --duration "${load_seconds}s" \
    --mix ping=2,echo=2,set=2,get=2,incr=2,txn=1,stream=2,whoami=1 --stream-rows 50 --json \
    > "$out/load.json"

say "SIGTERM: drain, exit, write the cache"
"$engine" stop -t 600 "$server" >/dev/null
"$engine" logs "$server" > "$out/training.log" 2>&1
code=$("$engine" inspect -f '{{.State.ExitCode}}' "$server")
[ -s "$out/server.aot" ] || { cat "$out/training.log" >&2; say "no cache was written (exit code $code)"; exit 1; }
say "cache: $(du -h "$out/server.aot" | cut -f1) ($out/server.aot, training log $out/training.log)"

# The cache must be usable by this image as it is: AOTMode=on makes the JVM fail rather than run without it.
"$engine" run --rm --network none -v "$out:/aot:ro" --entrypoint java "$image" \
    -XX:AOTCache=/aot/server.aot -XX:AOTMode=on -cp @/app/jib-classpath-file dev.ferry.reference.ReferenceServer \
    --help >/dev/null
say "checked: the image's JVM loads it with -XX:AOTMode=on"
