#!/usr/bin/env bash
# Prepares the container engine for Ferry's container tier on a fresh Debian 12 machine, where no
# Docker engine runs and no registry can be reached (shared/notes/containers-without-docker.md):
#   1. installs Podman, runc and debootstrap from Debian's packages;
#   2. writes /etc/containers/containers.conf (runc, cgroupfs, no default ulimits, file events);
#   3. starts Podman's Docker-compatible API socket (unix:///run/podman/podman.sock) for Testcontainers;
#   4. builds the local base images nothing can pull:
#        localhost/ferry/java-base:25  glibc + a jlinked Temurin 25 runtime, user 65532, no shell
#        localhost/ferry/redis:7       Debian's redis-server on a debootstrap minbase rootfs (the mirror of
#                                      this machine's apt sources)
#      and saves the Java base as a docker-archive tarball that Jib builds on (tar://...).
# Idempotent and cached under ~/.cache/ferry/containers: a rerun checks and skips what exists.
#
# Usage: scripts/containers.sh [--check] [--rebuild] [--maven-args] [--help]
#   --check       only report whether this machine can run the container tier (exit 0) or not (exit 3)
#   --rebuild     rebuild both base images even if they exist
#   --maven-args  for scripts/test.sh: messages go to stderr; stdout gets the Maven arguments ("-Pimage")
#                 once the machine is ready. A machine that is not ready fails (non-zero exit, one
#                 line saying what to fix): this script never decides to skip the container tier.
#                 Skipping is a person's choice: FERRY_CONTAINERS_SKIP=REASON scripts/test.sh, or
#                 -Dferry.containers.skip=REASON on Maven's command line.
# Exit codes: 0 ready; 3 this machine cannot run containers (the reason and the fix are printed);
# other: setup failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

CACHE="${FERRY_CACHE:-$HOME/.cache/ferry}/containers"
SOCK_PATH=/run/podman/podman.sock
JAVA_BASE=localhost/ferry/java-base:25
JAVA_BASE_TAR="$CACHE/images/java-base-25.tar"
# What the Java base holds, as CycloneDX: the image builds of operator/ and server-image/ add these components to
# their SBOMs (the jars come from Maven, the rest of the image from here).
JAVA_BASE_SBOM="$CACHE/images/java-base-25.cdx.json"
REDIS_IMAGE=localhost/ferry/redis:7
NONROOT_UID=65532
# What the reference server needs (jdeps --print-module-deps --ignore-missing-deps --multi-release 25 on the
# unpacked runnable jar), plus what Netty/Lettuce load reflectively: EC crypto for TLS, DNS over JNDI;
# java.net.http for the operator (its PodAdminClient uses java.net.http.HttpClient).
JAVA_MODULES="java.base,java.desktop,java.naming,java.net.http,java.sql,jdk.jfr,jdk.management,jdk.net,jdk.unsupported,jdk.crypto.ec,jdk.naming.dns,jdk.zipfs"
# Changing any of these rebuilds the Java base image (its label carries the hash).
RECIPE_VERSION=2
JAVA_RECIPE="$RECIPE_VERSION|$JAVA_MODULES|$("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
JAVA_RECIPE_HASH=$(printf '%s' "$JAVA_RECIPE" | sha256sum | cut -c1-16)

check_only=false
rebuild=false
maven_args=false
for arg in "$@"; do
  case "$arg" in
    --check) check_only=true ;;
    --rebuild) rebuild=true ;;
    --maven-args) maven_args=true ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "containers.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

# With --maven-args, fd 3 is the caller's stdout (the Maven arguments) and everything else goes to stderr.
if $maven_args; then exec 3>&1 1>&2; fi
say() { echo "== ferry containers: $*"; }
# A failure of the setup always fails the caller (a build that skipped the container tier because this
# script said so would be green without having run it). The way out is explicit and the caller's.
cannot() {
  echo "== ferry containers: FAILED: $*" >&2
  echo "== ferry containers: fix that and run scripts/containers.sh again; to build without the container tier" \
       "on purpose, set FERRY_CONTAINERS_SKIP=REASON for scripts/test.sh (or pass -Dferry.containers.skip=REASON to Maven)" >&2
  exit 3
}
elapsed() { echo "$(( $(date +%s) - $1 )) s"; }

# The Debian mirror this machine's apt uses for SUITE's main component (debootstrap fetches from it):
# deb822 files first (/etc/apt/sources.list.d/*.sources, debian.sources on Debian 12: a stanza with
# Types "deb", the suite in Suites, "main" in Components, Enabled not "no" -> its first URIs entry),
# then one-line "deb [options] URL SUITE main" entries (sources.list, sources.list.d/*.list).
# Prints the URL without a trailing slash, or nothing. APT_DIR (default /etc/apt) is for testing.
debian_mirror() { # suite
  local suite="$1" dir="${APT_DIR:-/etc/apt}" f url=""
  for f in "$dir/sources.list.d/debian.sources" "$dir"/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    url=$(awk -v suite="$suite" '
      function has(list, word) { return index(" " list " ", " " word " ") > 0 }
      function flush() {
        if (!found && has(types, "deb") && has(suites, suite) && has(comps, "main") && enabled != "no" && uris != "") {
          split(uris, u, " "); print u[1]; found = 1
        }
        types = suites = comps = uris = enabled = key = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]/ { v = $0; gsub(/^[ \t]+|[ \t]+$/, "", v)    # continuation of the previous field
                 if (key == "uris") uris = uris " " v; else if (key == "suites") suites = suites " " v
                 next }
      /^[A-Za-z-]+:/ {
        key = tolower(substr($0, 1, index($0, ":") - 1)); v = substr($0, index($0, ":") + 1)
        gsub(/^[ \t]+|[ \t]+$/, "", v); gsub(/[ \t]+/, " ", v)
        if (key == "types") types = v; else if (key == "uris") uris = v
        else if (key == "suites") suites = v; else if (key == "components") comps = v
        else if (key == "enabled") enabled = tolower(v)
      }
      END { flush() }' "$f")
    [ -n "$url" ] && break
  done
  if [ -z "$url" ]; then
    for f in "$dir/sources.list" "$dir"/sources.list.d/*.list; do
      [ -f "$f" ] || continue
      url=$(awk -v suite="$suite" '
        $1 == "deb" {
          i = 2
          if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }   # [options]
          if ($(i + 1) != suite) next
          for (j = i + 2; j <= NF; j++) if ($j == "main") { print $i; exit }
        }' "$f")
      [ -n "$url" ] && break
    done
  fi
  [ -n "$url" ] && echo "${url%/}"
}
t0=$(date +%s)

# --- can this machine run containers at all? -----------------------------------------------------
[ "$(uname -s)" = Linux ] || cannot "not Linux ($(uname -s))"
[ "$(id -u)" = 0 ] || cannot "needs root to install Podman and run rootful containers (running as uid $(id -u))"
command -v apt-get >/dev/null || cannot "no apt-get: this script installs Podman from Debian's packages"
[ -d /sys/fs/cgroup ] || cannot "no cgroup file system at /sys/fs/cgroup"
if ! unshare --mount --pid --fork true 2>/dev/null; then
  cannot "the kernel refuses new mount/PID namespaces here (nested sandbox without privileges)"
fi
if $check_only; then
  if command -v podman >/dev/null && curl -fsS --unix-socket "$SOCK_PATH" http://d/_ping >/dev/null 2>&1 \
      && podman image exists "$JAVA_BASE" && podman image exists "$REDIS_IMAGE"; then
    say "ready (podman $(podman version --format '{{.Client.Version}}'), socket $SOCK_PATH)"; exit 0
  fi
  say "this machine can run containers; run scripts/containers.sh to prepare it"; exit 0
fi

mkdir -p "$CACHE/images" "$CACHE/debs"

# --- 1. packages ------------------------------------------------------------------------------------
missing=()
for pkg in podman runc debootstrap; do dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q "${missing[@]}" >/dev/null 2>"$CACHE/apt.err"; then
    apt-get update -q >/dev/null
    apt-get install -y -q "${missing[@]}" >/dev/null
  fi
fi
# Podman's Debian package recommends crun, which fails on this cgroup v1 hybrid kernel; runc is chosen below.
command -v runc >/dev/null || cannot "runc is not installed (apt-get install runc did not provide it): install Debian's runc package"

# --- 2. configuration ---------------------------------------------------------------------------------
CONF=/etc/containers/containers.conf
read -r -d '' WANT_CONF <<'EOF' || true
# Written by Ferry's scripts/containers.sh (shared/notes/containers-without-docker.md).
[containers]
# Otherwise: "setrlimit RLIMIT_NOFILE: Operation not permitted" inside this sandbox.
default_ulimits = []

[engine]
# crun fails here: "cgroups in hybrid mode not supported".
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
mkdir -p /etc/containers
if [ ! -f "$CONF" ] || ! cmp -s <(printf '%s\n' "$WANT_CONF") "$CONF"; then
  if [ -f "$CONF" ] && ! grep -q "Written by Ferry's scripts/containers.sh" "$CONF"; then
    cp "$CONF" "$CONF.before-ferry"
    say "kept the previous $CONF as $CONF.before-ferry"
  fi
  printf '%s\n' "$WANT_CONF" > "$CONF"
  say "wrote $CONF"
fi

# --- 3. the API socket ------------------------------------------------------------------------------
# A service whose working directory was deleted (started from a checkout that is gone) answers
# pings but cannot start containers: conmon fails with "Failed to get working directory".
for pid in $(pgrep -f "podman system service --time=0 unix://$SOCK_PATH" || true); do
  if [ "$(readlink "/proc/$pid/cwd" 2>/dev/null || true)" != "/" ]; then
    say "restarting podman system service (pid $pid): its working directory is $(readlink "/proc/$pid/cwd" 2>/dev/null || echo unknown)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$SOCK_PATH"
  fi
done
if ! curl -fsS --max-time 5 --unix-socket "$SOCK_PATH" http://d/_ping >/dev/null 2>&1; then
  mkdir -p "$(dirname "$SOCK_PATH")"
  rm -f "$SOCK_PATH"
  say "starting podman system service on unix://$SOCK_PATH (log: $CACHE/podman-service.log)"
  # No process left behind may hold fd 3 (the --maven-args pipe) or the caller's stdout/stderr: the
  # caller's $(...) waits for every writer to close. A backgrounded "cd && setsid ..." list kept a bash
  # copy alive, holding fd 3, for as long as the service ran, and CI waited until it was killed. So
  # setsid --fork (its parent exits at once) with every inherited descriptor above 2 closed (a caller
  # may hand down more pipes than fd 3) and 0-2 redirected.
  # From /: the service outlives this checkout, and its containers inherit its working directory.
  (
    cd /
    for fd_path in /proc/$BASHPID/fd/*; do
      fd=${fd_path##*/}
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
    done
    exec setsid --fork podman system service --time=0 "unix://$SOCK_PATH"
  ) </dev/null >"$CACHE/podman-service.log" 2>&1
  for _ in $(seq 1 100); do
    curl -fsS --max-time 2 --unix-socket "$SOCK_PATH" http://d/_ping >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fsS --max-time 5 --unix-socket "$SOCK_PATH" http://d/_ping >/dev/null 2>&1 \
    || { tail -20 "$CACHE/podman-service.log" >&2; cannot "the Podman API socket unix://$SOCK_PATH did not answer after podman system service was started (its log: $CACHE/podman-service.log)"; }
fi

# A container must really start here (namespaces, cgroups, runc): proven below on the Java base.

# --- 4a. Java base image: glibc + jlinked runtime, no shell, no package manager --------------------
image_label() { podman image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

if $rebuild || ! podman image exists "$JAVA_BASE" || [ "$(image_label "$JAVA_BASE" dev.ferry.recipe)" != "$JAVA_RECIPE_HASH" ]; then
  tb=$(date +%s)
  say "building $JAVA_BASE (jlink: $JAVA_MODULES)"
  root="$CACHE/java-base/rootfs"
  rm -rf "$CACHE/java-base"
  mkdir -p "$root"
  # glibc and libgcc_s (pthread_cancel loads it) from Debian's packages; Temurin bundles zlib.
  (cd "$CACHE/debs" && for pkg in libc6 libgcc-s1; do
     ls "${pkg}"_*.deb >/dev/null 2>&1 || apt-get download -q "$pkg" >/dev/null 2>&1 || { apt-get update -q >/dev/null; apt-get download -q "$pkg" >/dev/null; }
   done)
  for deb in "$CACHE"/debs/libc6_*.deb "$CACHE"/debs/libgcc-s1_*.deb; do dpkg-deb -x "$deb" "$root"; done
  rm -rf "$root/usr/share" "$root/usr/lib/x86_64-linux-gnu/gconv" "$root/etc/ld.so.conf.d"
  nice -n 10 "$JAVA_HOME/bin/jlink" --add-modules "$JAVA_MODULES" --strip-debug --no-header-files --no-man-pages \
       --compress=zip-6 --generate-cds-archive --output "$root/opt/java"
  # The no-compressed-oops CDS archive serves only heaps over 32 GB: 14 MB nobody here uses.
  rm -f "$root/opt/java/lib/server/classes_nocoops.jsa"
  mkdir -p "$root/etc" "$root/tmp" "$root/home/nonroot" "$root/app"
  chmod 1777 "$root/tmp"
  chown "$NONROOT_UID:$NONROOT_UID" "$root/home/nonroot"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%s:%s:nonroot:/home/nonroot:/sbin/nologin\n' "$NONROOT_UID" "$NONROOT_UID" > "$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:%s:\n' "$NONROOT_UID" > "$root/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$root/etc/nsswitch.conf"
  [ -x "$root/opt/java/bin/java" ] && [ ! -e "$root/bin/sh" ] || { echo "java base rootfs is not what it should be" >&2; exit 1; }
  podman image rm -f "$JAVA_BASE" >/dev/null 2>&1 || true
  tar --numeric-owner -C "$root" -cf - . | nice -n 10 podman import --quiet \
      --change "ENV PATH=/opt/java/bin:/usr/bin:/bin" \
      --change "ENV JAVA_HOME=/opt/java" \
      --change "ENV LANG=C.UTF-8" \
      --change "USER $NONROOT_UID:$NONROOT_UID" \
      --change "WORKDIR /app" \
      --change 'ENTRYPOINT ["java"]' \
      --change 'CMD ["-version"]' \
      --change "LABEL dev.ferry.recipe=$JAVA_RECIPE_HASH" \
      --change "LABEL org.opencontainers.image.title=ferry-java-base" \
      --change 'LABEL org.opencontainers.image.description="glibc and a jlinked Temurin 25 runtime, no shell"' \
      - "$JAVA_BASE" >/dev/null
  rm -f "$JAVA_BASE_TAR"
  say "built $JAVA_BASE in $(elapsed "$tb")"
fi
if [ ! -f "$JAVA_BASE_TAR" ] || [ "$(cat "$JAVA_BASE_TAR.id" 2>/dev/null)" != "$(podman image inspect --format '{{.Id}}' "$JAVA_BASE")" ]; then
  rm -f "$JAVA_BASE_TAR"
  nice -n 10 podman save --quiet --format docker-archive -o "$JAVA_BASE_TAR" "$JAVA_BASE"
  podman image inspect --format '{{.Id}}' "$JAVA_BASE" > "$JAVA_BASE_TAR.id"
  say "saved $JAVA_BASE to $JAVA_BASE_TAR (Jib's base: tar://$JAVA_BASE_TAR)"
fi

# The Java base's SBOM: Debian's glibc and libgcc (the .debs it was made of) and the jlinked runtime (the JDK that
# jlinked it: the recipe hash above includes its version, so a base built by another JDK was rebuilt).
if [ ! -f "$JAVA_BASE_SBOM" ] || [ "$(cat "$JAVA_BASE_SBOM.id" 2>/dev/null)" != "$(podman image inspect --format '{{.Id}}' "$JAVA_BASE")" ]; then
  (cd "$CACHE/debs" && for pkg in libc6 libgcc-s1; do
     ls "${pkg}"_*.deb >/dev/null 2>&1 || apt-get download -q "$pkg" >/dev/null 2>&1 || { apt-get update -q >/dev/null; apt-get download -q "$pkg" >/dev/null; }
   done)
  deb_component() { # deb file -> a CycloneDX component (purl per the deb type: version and arch, %-encoded +)
    local name version arch source
    name=$(dpkg-deb -f "$1" Package); version=$(dpkg-deb -f "$1" Version); arch=$(dpkg-deb -f "$1" Architecture)
    source=$(dpkg-deb -f "$1" Source | cut -d' ' -f1); source=${source:-$name}
    printf '    {"type": "library", "bom-ref": "pkg:deb/debian/%s@%s?arch=%s&distro=debian-12", "name": "%s", "version": "%s", "purl": "pkg:deb/debian/%s@%s?arch=%s&distro=debian-12", "properties": [{"name": "dev.ferry.debian.source", "value": "%s"}]}' \
      "$name" "${version//+/%2B}" "$arch" "$name" "$version" "$name" "${version//+/%2B}" "$arch" "$source"
  }
  release_value() { sed -n "s/^$1=\"\(.*\)\"\$/\1/p" "$JAVA_HOME/release"; }
  jre_version=$(release_value JAVA_RUNTIME_VERSION); jre_version=${jre_version%-LTS}
  {
    printf '{\n  "bomFormat": "CycloneDX",\n  "specVersion": "1.6",\n  "version": 1,\n'
    printf '  "metadata": {"component": {"type": "container", "bom-ref": "%s", "name": "ferry-java-base", "version": "25", "properties": [{"name": "dev.ferry.recipe", "value": "%s"}]}},\n' "$JAVA_BASE" "$JAVA_RECIPE_HASH"
    printf '  "components": [\n'
    deb_component "$(ls "$CACHE"/debs/libc6_*.deb | head -n1)"; printf ',\n'
    deb_component "$(ls "$CACHE"/debs/libgcc-s1_*.deb | head -n1)"; printf ',\n'
    printf '    {"type": "framework", "bom-ref": "pkg:generic/temurin-jre@%s", "supplier": {"name": "%s"}, "name": "temurin-jre", "version": "%s", "purl": "pkg:generic/temurin-jre@%s", "properties": [{"name": "dev.ferry.jlink.modules", "value": "%s"}]}\n' \
      "${jre_version//+/%2B}" "$(release_value IMPLEMENTOR)" "$jre_version" "${jre_version//+/%2B}" "$JAVA_MODULES"
    printf '  ]\n}\n'
  } > "$JAVA_BASE_SBOM.tmp"
  mv "$JAVA_BASE_SBOM.tmp" "$JAVA_BASE_SBOM"
  podman image inspect --format '{{.Id}}' "$JAVA_BASE" > "$JAVA_BASE_SBOM.id"
  say "wrote the SBOM of $JAVA_BASE to $JAVA_BASE_SBOM"
fi

# --- 4b. Redis image ----------------------------------------------------------------------------------
if $rebuild || ! podman image exists "$REDIS_IMAGE"; then
  tb=$(date +%s)
  rootfs="$CACHE/redis/rootfs"
  if [ ! -x "$rootfs/usr/bin/redis-server" ]; then
    mirror=$(debian_mirror bookworm) || true
    if [ -z "$mirror" ]; then
      echo "== ferry containers: ERROR: no Debian mirror for bookworm in this machine's apt sources (looked for a" \
           "deb822 stanza 'Types: deb' / 'Suites: bookworm' / 'Components: main' with 'URIs:' in" \
           "/etc/apt/sources.list.d/*.sources, and a 'deb URL bookworm main' line in /etc/apt/sources.list and" \
           "/etc/apt/sources.list.d/*.list); debootstrap needs one to build $REDIS_IMAGE" >&2
      exit 1
    fi
    say "debootstrap --variant=minbase --include=redis-server bookworm from $mirror (cached in $rootfs)"
    rm -rf "$CACHE/redis"
    mkdir -p "$CACHE/redis"
    nice -n 10 debootstrap --variant=minbase --include=redis-server bookworm "$rootfs.tmp" "$mirror" \
        >"$CACHE/redis/debootstrap.log" 2>&1 || { tail -30 "$CACHE/redis/debootstrap.log" >&2; exit 1; }
    rm -rf "$rootfs.tmp/var/cache/apt/archives/"*.deb "$rootfs.tmp/var/lib/apt/lists/"* "$rootfs.tmp/usr/share/doc" \
           "$rootfs.tmp/usr/share/man" "$rootfs.tmp/usr/share/locale"
    mv "$rootfs.tmp" "$rootfs"
  fi
  podman image rm -f "$REDIS_IMAGE" >/dev/null 2>&1 || true
  tar --numeric-owner -C "$rootfs" -cf - . | nice -n 10 podman import --quiet \
      --change "USER redis" \
      --change "WORKDIR /var/lib/redis" \
      --change 'ENTRYPOINT ["/usr/bin/redis-server"]' \
      --change 'CMD ["--bind", "127.0.0.1", "--port", "6379", "--protected-mode", "yes"]' \
      --change "LABEL org.opencontainers.image.title=ferry-redis" \
      - "$REDIS_IMAGE" >/dev/null
  say "built $REDIS_IMAGE in $(elapsed "$tb")"
fi

# --- smoke: a container really runs here -----------------------------------------------------------
if ! out=$(podman run --rm --network host "$JAVA_BASE" -XX:-UsePerfData -version 2>&1); then
  echo "$out" >&2
  cannot "podman could not run a container from $JAVA_BASE (its output is above; scripts/containers.sh --rebuild rebuilds the base images)"
fi
say "ready in $(elapsed "$t0"): podman $(podman version --format '{{.Client.Version}}') with $(podman info --format '{{.Host.OCIRuntime.Name}}'), socket unix://$SOCK_PATH"
podman image ls --format '   {{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E 'ferry/(java-base|redis|server)' || true
if $maven_args; then echo "-Pimage" >&3; fi
