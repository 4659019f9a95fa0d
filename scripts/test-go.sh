#!/usr/bin/env bash
# Runs the Go client's tests (client-go/): go vet, then go test over every package, including the
# integration tier against the real reference server and a real redis-server on 127.0.0.1.
# Builds what that tier needs first: the reference server (an offline Maven package of
# server-image and the modules it uses; nothing is installed) and its class path, and exports
# FERRY_JAVA, FERRY_REFERENCE_CLASSPATH and FERRY_REDIS_SERVER for the tests. Works from a clean
# clone. Arguments are passed to `go test` (e.g. -run, -v).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh
scripts/setup-redis.sh

echo "== test-go: building the reference server (mvn -o package -pl server-image -am)"
$MVN -o -q package -pl server-image -am -Dmaven.test.skip=true

# The class path: the dependency plugin's build-classpath when the local repository has the
# pinned plugin; otherwise the shaded runnable jar the package step builds, which holds the
# same classes (server-image, the Ferry modules it uses and their dependencies).
dep_plugin_version=3.8.1
if [ -d "$HOME/.m2/repository/org/apache/maven/plugins/maven-dependency-plugin/$dep_plugin_version" ]; then
  $MVN -o -q -pl server-image -am \
    "org.apache.maven.plugins:maven-dependency-plugin:$dep_plugin_version:build-classpath" \
    -Dmdep.includeScope=runtime -Dmdep.outputFile=target/go-test-classpath.txt
  classpath="$PWD/server-image/target/classes:$(cat server-image/target/go-test-classpath.txt)"
else
  classpath=$(ls "$PWD"/server-image/target/ferry-server-image-*-runnable.jar | head -1)
  echo "== test-go: maven-dependency-plugin $dep_plugin_version is not in the local repository; using $classpath"
fi

export FERRY_JAVA="$JAVA_HOME/bin/java"
export FERRY_REFERENCE_CLASSPATH="$classpath"
export FERRY_REDIS_SERVER="${FERRY_REDIS_SERVER:-$(command -v redis-server)}"

cd client-go
echo "== test-go: go vet ./..."
go vet ./...
echo "== test-go: go test ./..."
go test -count=1 "$@" ./...
