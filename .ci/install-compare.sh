#!/usr/bin/env bash
# What the bench's --compare relays need (bench/compare): the npm packages from the committed lock file for
# node-ws, and Debian's python3-websockets for seed000-python. Runs after install-browser.sh, which brings npm.
# Idempotent and non-interactive; run as root on Debian (apt).
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
if ! dpkg -s python3-websockets >/dev/null 2>&1; then
  apt-get update
  apt-get install -y python3-websockets
fi
npm ci --prefix bench/compare --no-audit --no-fund
