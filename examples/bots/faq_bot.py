#!/usr/bin/env python3
# A bot for `getxapi dm watch --exec examples/bots/faq_bot.py`: one message's JSON on stdin,
# the reply (if any) on stdout, sent exactly once. Exit 0 acknowledges; anything else retries.
import json, sys
m = json.load(sys.stdin)
text, name = (m.get("text") or "").lower(), m["sender"].get("name") or "there"
if m.get("edited") or "human" in text:
    sys.exit(0)  # edits are not answered again; a person takes "human"
print(f"Hi {name}, plans start at $9/month." if "price" in text else
      f"Thanks {name}, we got your message and will answer shortly.")
