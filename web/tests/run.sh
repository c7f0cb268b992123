#!/usr/bin/env bash
# The web console in a real browser against a real system: starts `./mcf up --clock sim` with its
# data in a temp dir and its own ports on 127.0.0.1 (the fortune-cookie contractor with no
# delay), runs console.test.mjs (playwright-core driving Debian's headless /usr/bin/chromium),
# and stops what it started by pid. Screenshots of every page visited: BUILD_DIR/screenshots/.
#
# Usage (ctest ConsoleBrowserTest): run.sh SOURCE_DIR BUILD_DIR
set -euo pipefail

SRC="$(cd "$1" && pwd)"
BUILD="$(cd "$2" && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/mcf-console.XXXXXX")"
UP_PID=""
cleanup() {
  if [[ -n "$UP_PID" ]] && kill -0 "$UP_PID" 2>/dev/null; then
    kill -TERM "$UP_PID" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$UP_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- ./mcf up" >&2; tail -n 40 "$TMP/up.log" >&2 || true
  exit 1
}

[[ -x /usr/bin/chromium ]] || fail "no /usr/bin/chromium: run ./mcf deps (apt chromium)"
[[ -f "$SRC/web/node_modules/playwright-core/package.json" ]] ||
  fail "no web/node_modules: run ./mcf deps (npm ci in web/)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
BUS_PORT="$(free_port)"
HTTP_PORT="$(free_port)"
export MCF_BUILD_DIR="$BUILD" MCF_VAR="$TMP/var" MCF_BROKER="tcp://127.0.0.1:$BUS_PORT"
export MCF_HTTP_LISTEN="127.0.0.1:$HTTP_PORT" MCF_CONTRACTOR_FLAGS="--delay 0s"
URL="http://127.0.0.1:$HTTP_PORT"

cd "$SRC"
./mcf up --clock sim --start 2026-01-05T08:00:00Z >"$TMP/up.log" 2>&1 &
UP_PID=$!
for i in $(seq 1 600); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz" || true)" == 200 ]] && break
  kill -0 "$UP_PID" 2>/dev/null || fail "./mcf up exited"
  sleep 0.1
  [[ $i == 600 ]] && fail "the system never became healthy"
done
grep -q "the web console: http://127.0.0.1:$HTTP_PORT/" "$TMP/up.log" ||
  fail "./mcf up did not print the console's URL"

mkdir -p "$BUILD/screenshots"
MCF_URL="$URL" MCF_ADMIN_TOKEN="$(cat "$TMP/var/admin.token")" MCF_SCREENSHOTS="$BUILD/screenshots" \
  MCF_CLOCK_ADVANCE="$BUILD/bin/mcfctl clock advance" \
  timeout 300 node "$SRC/web/tests/console.test.mjs" || fail "console.test.mjs failed (rc=$?)"
