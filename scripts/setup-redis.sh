#!/usr/bin/env bash
# Installs Debian's redis-server if it is missing. Idempotent.
# Tests start their own redis-server processes on free loopback ports;
# this script only makes the binary available and keeps the distro's
# service from occupying port 6379.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  echo "redis-server: $(redis-server --version | head -1)"
  exit 0
fi
echo "installing redis-server from Debian packages..."
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
# Keep the package's init script from starting a shared server on 6379.
printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
$SUDO chmod +x /usr/sbin/policy-rc.d
trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq --no-install-recommends redis-server redis-tools >/dev/null
echo "redis-server: $(redis-server --version | head -1)"
