#!/usr/bin/env bash
# What the browser tests need (Relay.Tests/Browser): Debian's chromium and the npm packages in
# Relay.Tests/js (@microsoft/signalr, playwright-core, ws) from the committed lock file.
# Idempotent and non-interactive; run as root on Debian (apt). Node and npm come from apt when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  apt-get install -y "${missing[@]}"
fi

# playwright-core drives the system chromium; it must never download browsers of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --prefix Relay.Tests/js --no-audit --no-fund
