#!/usr/bin/env bash
# Publish-and-run smoke: the steps of the Dockerfile, without a container engine.
# 1. Replays the Dockerfile's build stage: its COPY lines into a clean folder, then its RUN lines
#    (restore, then publish -c Release), so a file missing from the image's build context fails here.
# 2. Starts the published server with PORT=<free port> and a temporary DB_PATH, waits for /healthz 200,
#    runs the image's HEALTHCHECK command against it, sends SIGTERM and expects exit 0 within the
#    graceful shutdown timeout.
# Prints one PASS line, or FAIL with the reason and the server's output, and exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "publish-smoke: FAIL: $*" >&2
  if [ -f "$work/server.log" ]; then
    echo "--- server output ---" >&2
    cat "$work/server.log" >&2
  fi
  exit 1
}

src="$work/src"   # the image's WORKDIR /src
out="$work/app"   # the image's /app
db="$work/data/relay_server.db"
mkdir -p "$src"

# The build stage is everything between the first FROM and the second.
build_stage=$(awk '/^FROM /{n++} n==1' Dockerfile)
# .dockerignore is an allow-list ("*" then "!path" lines): a COPY source outside it is not in the context.
allowed=$(sed -n 's#^!\([^*]*\)$#\1#p' .dockerignore | sed 's#/$##')

echo "publish-smoke: replaying the Dockerfile build stage in $src"
while read -r instruction args; do
  case "$instruction" in
    COPY)
      read -r from to <<<"$args"
      [ -e "$from" ] || fail "COPY source missing: $from"
      grep -qxF "${from%%/*}" <<<"$allowed" || fail "COPY $from: not allowed by .dockerignore, so not in the build context"
      if [ -d "$from" ]; then
        mkdir -p "$src/$to"
        tar -C "$from" --exclude=bin --exclude=obj -cf - . | tar -C "$src/$to" -xf -
      else
        # A destination ending in / is a folder, as in Docker.
        case "$to" in */) mkdir -p "$src/$to" ;; *) mkdir -p "$(dirname "$src/$to")" ;; esac
        cp "$from" "$src/$to"
      fi
      ;;
    RUN)
      (cd "$src" && eval "${args//\/app/$out}") || fail "build step failed: RUN $args"
      ;;
  esac
done < <(printf '%s\n' "$build_stage" | grep -E '^(COPY|RUN) ')

[ -f "$out/Relay.Server.dll" ] || fail "publish produced no Relay.Server.dll in $out"
if ls "$out" | grep -qiE '(^|\.)tests?\.dll$|nunit'; then fail "test assemblies leaked into the published output"; fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
shutdown_timeout=$(python3 -c 'import json; print(json.load(open("appsettings.json"))["Relay"]["Shutdown"]["TimeoutSeconds"])')

echo "publish-smoke: starting the published server on port $port with DB_PATH=$db"
(cd "$out" && exec env -u ASPNETCORE_URLS PORT="$port" DB_PATH="$db" dotnet Relay.Server.dll) >"$work/server.log" 2>&1 &
server_pid=$!

healthy=""
for _ in $(seq 1 150); do
  kill -0 "$server_pid" 2>/dev/null || fail "the server exited before /healthz answered"
  if python3 -c 'import sys, urllib.request; sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200 else 1)' \
       "http://127.0.0.1:$port/healthz" 2>/dev/null; then
    healthy=yes
    break
  fi
  sleep 0.2
done
[ -n "$healthy" ] || fail "/healthz did not answer 200 within 30 s"
[ -f "$db" ] || fail "the database was not created at DB_PATH ($db)"

(cd "$out" && PORT="$port" dotnet Relay.Server.dll --healthcheck) >>"$work/server.log" 2>&1 \
  || fail "the image's HEALTHCHECK command (--healthcheck) reported unhealthy"

kill -TERM "$server_pid"
deadline=$(( $(date +%s) + shutdown_timeout ))
while kill -0 "$server_pid" 2>/dev/null; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "no exit within the ${shutdown_timeout} s shutdown timeout after SIGTERM"
  sleep 0.1
done
set +e
wait "$server_pid"
code=$?
set -e
server_pid=""
[ "$code" -eq 0 ] || fail "exit code $code after SIGTERM, expected 0"

echo "publish-smoke: PASS (published, /healthz 200, HEALTHCHECK ok, SIGTERM -> exit 0)"
