#!/usr/bin/env bash
# run_example.sh SANDBOX EXPECTED_REGEX PROGRAM [ARGS...]
# Starts getxapi-sandbox on a free port, runs PROGRAM against it with the
# sandbox's credentials in the environment, and checks its exit status and
# that its output matches EXPECTED_REGEX.
set -euo pipefail
sandbox="$1"
expected="$2"
shift 2
work="$(mktemp -d)"
"$sandbox" --port 0 >"$work/out" 2>"$work/err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 200); do
  grep -q '^listening on ' "$work/out" 2>/dev/null && break
  sleep 0.05
done
export GETXAPI_BASE_URL="$(head -1 "$work/out" | sed -n 's/^listening on //p')"
export GETXAPI_API_KEY="example-test-key"
export GETXAPI_AUTH_TOKEN="sandbox-token-ada"
export OUTREACH_FAST=1
output="$("$@" 2>&1)"
echo "$output"
if ! grep -Eq -- "$expected" <<<"$output"; then
  echo "output does not match: $expected" >&2
  exit 1
fi
