#!/usr/bin/env bash
# The local demo: a Ferry fleet on this machine. Until the operator lands it shows the data
# plane alone: a real redis-server, three reference servers, a few hundred clients running
# commands and streams, and a drain of one server while they work, with live progress and a
# summary (commands run, commands failed, migrations, longest pause).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
scripts/setup-redis.sh >/dev/null
if [ ! -f bench/target/ferry-bench.jar ] || [ -n "$(find protocol store server client server-image bench testkit -name '*.java' -newer bench/target/ferry-bench.jar -print -quit)" ]; then
  echo "building (skipping tests; run scripts/test.sh for those)..."
  $MVN -q install -DskipTests
fi
exec "$JAVA_HOME/bin/java" -XX:+UseZGC -Xmx2g -jar bench/target/ferry-bench.jar demo "$@"
