#!/usr/bin/env bash
# Installs what the network-cut fault test (NetworkCutTest) uses, if missing: ip (iproute2) for the
# network namespaces it creates and iptables for the cut. Idempotent. The test needs root and fails
# without it (it never skips itself); so does this script. To build without that test on purpose:
# FERRY_NETNS_SKIP=REASON scripts/test.sh (or -Dferry.netns.skip=REASON to Maven).
set -euo pipefail
if [ -n "${FERRY_NETNS_SKIP:-}" ]; then
  echo "netns tools: NetworkCutTest left out on request (FERRY_NETNS_SKIP): $FERRY_NETNS_SKIP"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "netns tools: FAILED: not root (uid $(id -u)); NetworkCutTest needs root for its network namespace." \
       "Run as root, or leave the test out on purpose with FERRY_NETNS_SKIP=REASON" >&2
  exit 1
fi
missing=()
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "netns tools: $(ip -V 2>&1 | head -1); $(iptables --version 2>&1 | head -1)"
