# Sourced by every project script: picks a Java 21+ JDK and quiet, batch-mode Maven.
# Why: the machine's default java is 17; the build targets release 21.
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64 /usr/lib/jvm/temurin-*-jdk-amd64; do
    if [ -x "$candidate/bin/java" ]; then export JAVA_HOME="$candidate"; break; fi
  done
fi
if [ -z "${JAVA_HOME:-}" ]; then echo "ferry: no JDK 21+ found under /usr/lib/jvm" >&2; exit 1; fi
export PATH="$JAVA_HOME/bin:$PATH"
export MAVEN_OPTS="${MAVEN_OPTS:--Xmx1g --sun-misc-unsafe-memory-access=allow}"
MVN="mvn -B -ntp"
