#!/usr/bin/env bash
# Runs the Go client's tests (client-go/): go vet, then go test over every package, including the
# integration tier against the real reference server and a real redis-server on 127.0.0.1.
# Builds what that tier needs first: the reference server (a Maven package of
# server-image and the modules it uses; nothing is installed), and exports
# FERRY_JAVA, FERRY_REFERENCE_CLASSPATH and FERRY_REDIS_SERVER for the tests. Works from a clean
# clone. Arguments are passed to `go test` (e.g. -run, -v). scripts/test.sh runs the same checks in
# the build (conformance/: GoClientModuleTest) together with the conformance suite for the Go client.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
scripts/setup-redis.sh

echo "== test-go: building the reference server (mvn package -pl server-image -am)"
$MVN -q package -pl server-image -am -Dmaven.test.skip=true

# The reference server's runnable jar holds server-image and every class it needs.
classpath=$(ls "$PWD"/server-image/target/ferry-server-image-*-runnable.jar | head -1)

export FERRY_JAVA="$JAVA_HOME/bin/java"
export FERRY_REFERENCE_CLASSPATH="$classpath"
export FERRY_REDIS_SERVER="${FERRY_REDIS_SERVER:-$(command -v redis-server)}"

cd client-go
echo "== test-go: go vet ./..."
go vet ./...
echo "== test-go: go test ./..."
go test -count=1 "$@" ./...
