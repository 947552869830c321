#!/usr/bin/env bash
# run_bots.sh SANDBOX CLI SUPPORT_BOT FAQ_BOT
# The support bots against getxapi-sandbox: a new state sees nothing old, a new inbound
# DM is answered once by examples/support_bot and once through `dm watch --exec
# examples/bots/faq_bot.py`, and a second pass answers nothing more.
set -euo pipefail
sandbox="$1" cli="$2" support_bot="$3" faq_bot="$4"
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
admin() {  # admin PATH [JSON]: GET, or POST the JSON
  python3 - "$GETXAPI_BASE_URL$1" "${2:-}" <<'PY'
import sys, urllib.request
url, body = sys.argv[1], sys.argv[2]
req = urllib.request.Request(url, data=body.encode() if body else None,
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req).read().decode())
PY
}
replies() {  # how many of ada's messages contain $1
  admin "/_sandbox/messages?sender_id=$ada" | python3 -c \
    "import json,sys; print(sum(1 for m in json.load(sys.stdin) if sys.argv[1] in m['text']))" "$1"
}
ada="$("$cli" --json user info ada_example | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"

# The C++ support bot: keyword routing and a canned answer.
"$support_bot" "$work/bot.db" --once
admin /_sandbox/inbound '{"from": "lonely_user", "to": "ada_example", "text": "What does it cost?"}' >/dev/null
out="$("$support_bot" "$work/bot.db" --once)"
echo "$out"
grep -q '^1 messages handed over, 1 answered' <<<"$out"
test "$(replies 'plans start at')" = 1
out="$("$support_bot" "$work/bot.db" --once)"
grep -q '^0 messages handed over, 0 answered' <<<"$out"
test "$(replies 'plans start at')" = 1

# The ten-line Python bot through dm watch --exec.
"$cli" dm watch --state "$work/faq.db" --once
admin /_sandbox/inbound '{"from": "lonely_user", "to": "ada_example", "text": "Hello there"}' >/dev/null
lines="$("$cli" --json dm watch --state "$work/faq.db" --once --exec "$faq_bot")"
echo "$lines"
test "$(grep -c '"conversation_id"' <<<"$lines")" = 1
test "$(replies 'we got your message and will answer shortly')" = 1
lines="$("$cli" --json dm watch --state "$work/faq.db" --once --exec "$faq_bot")"
test -z "$lines"
test "$(replies 'we got your message and will answer shortly')" = 1
echo "bots answered exactly once"
