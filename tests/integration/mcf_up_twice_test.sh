#!/usr/bin/env bash
# Two `./mcf up` on one data directory: the second exits non-zero naming the first's pid and
# touches nothing; the first keeps serving and loses nothing (every order answered 201 is in the
# log as portal.help_requested and gets a worker).
#
# Usage (ctest): mcf_up_twice_test.sh SOURCE_DIR BUILD_DIR. Runs the real launcher against the
# built tree with its data in a temp dir and its own ports on 127.0.0.1; stops what it started.
set -euo pipefail

SRC="$1"
BUILD="$2"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/mcf-up-twice.XXXXXX")"
FIRST_PID=""
cleanup() {
  if [[ -n "$FIRST_PID" ]] && kill -0 "$FIRST_PID" 2>/dev/null; then
    kill -TERM "$FIRST_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$FIRST_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- first ./mcf up" >&2; tail -n 40 "$TMP/first.log" >&2 || true
  exit 1
}

# Two free ports (a port in use makes the first start fail loudly, not this test pass).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
BUS_PORT="$(free_port)"
HTTP_PORT="$(free_port)"
export MCF_BUILD_DIR="$BUILD" MCF_VAR="$TMP/var" MCF_BROKER="tcp://127.0.0.1:$BUS_PORT"
export MCF_HTTP_LISTEN="127.0.0.1:$HTTP_PORT"
URL="http://127.0.0.1:$HTTP_PORT"

cd "$SRC"
./mcf up >"$TMP/first.log" 2>&1 &
FIRST_PID=$!
for i in $(seq 1 600); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz" || true)" == 200 ]] && break
  kill -0 "$FIRST_PID" 2>/dev/null || fail "the first ./mcf up exited"
  sleep 0.1
  [[ $i == 600 ]] && fail "the first system never became healthy"
done

# The second start: refused at once, with the pid, and exit status non-zero.
set +e
timeout 60 ./mcf up >"$TMP/second.log" 2>&1
SECOND_RC=$?
set -e
cat "$TMP/second.log"
[[ $SECOND_RC != 0 && $SECOND_RC != 124 ]] || fail "second ./mcf up exited $SECOND_RC"
grep -q "another ./mcf up is running on $TMP/var (pid $FIRST_PID)" "$TMP/second.log" ||
  fail "the refusal does not name the running pid $FIRST_PID"
grep -q "started broker" "$TMP/second.log" && fail "the second start launched processes"
[[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" == 200 ]] ||
  fail "the first system is unhealthy after the refused start"

# The first loses nothing: 60 orders, each 201, each in the log and matched.
ADMIN="$(cat "$TMP/var/admin.token")"
json() { curl -s -H 'Content-Type: application/json' "$@"; }
json "$URL/v1/workers" -H "Authorization: Bearer $ADMIN" \
  -d '{"name":"Barsik","age":4,"breed":"Siberian","coat_colour":"grey","strengths":["jars"],"weaknesses":[]}' >/dev/null
CLIENT="$(json "$URL/v1/session" -d '{"employee_id":"hcb-twice","name":"Murka"}' | jq -r .token)"
[[ ${#CLIENT} == 64 ]] || fail "no client token"
ids=()
for i in $(seq 1 60); do
  at="$(date -u -d "+$((2 + i)) days" +%FT10:00:00Z)"
  out="$(json -w '\n%{http_code}' "$URL/v1/orders" -H "Authorization: Bearer $CLIENT" \
    -d "{\"service_type_id\":\"chores\",\"description\":\"order $i\",\"desired_at\":\"$at\"}")"
  [[ "$(tail -n1 <<<"$out")" == 201 ]] || fail "order $i: $out"
  ids+=("$(head -n1 <<<"$out" | jq -r .id)")
done
for id in "${ids[@]}"; do
  for i in $(seq 1 100); do
    status="$(json "$URL/v1/orders/$id" -H "Authorization: Bearer $CLIENT" | jq -r .status)"
    [[ "$status" == assigned ]] && break
    [[ $i == 100 ]] && fail "order $id is $status, never assigned"
    sleep 0.1
  done
done
logged="$("$BUILD/bin/mcfctl" tail --topic portal.help_requested --from 1 | jq -r .envelope.body.order_id | sort -u)"
for id in "${ids[@]}"; do grep -qx "$id" <<<"$logged" || fail "order $id is not in the log"; done
echo "PASS: second start refused (rc $SECOND_RC), 60/60 orders in the log and assigned"
