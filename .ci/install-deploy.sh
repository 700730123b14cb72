#!/usr/bin/env bash
# What the deploy tests need beyond the .NET SDK: python3 >= 3.11, whose standard tomllib parses
# deploy/fly.toml (no TOML parser restores from the NuGet source). Safe to run again.
set -euo pipefail
if python3 -c 'import tomllib' 2>/dev/null; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3 >/dev/null
python3 -c 'import tomllib' || { echo "install-deploy: python3 has no tomllib (needs 3.11+)" >&2; exit 1; }
