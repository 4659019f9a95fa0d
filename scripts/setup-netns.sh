#!/usr/bin/env bash
# Installs what the network-cut fault test (NetworkCutTest) uses, if missing: ip (iproute2) for the
# network namespaces it creates and iptables for the cut. Idempotent. Without root the test skips
# itself, so nothing is installed then.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "netns tools: not root, the network-cut test will skip"
  exit 0
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
