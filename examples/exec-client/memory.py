#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The smallest DT exec client (dt-exec-client(7)'s EXAMPLE): registers
in the program's own memory, so each worker has its own store.  It shows
the protocol, not a system; bench-exec uses it to measure what the
protocol costs an operation."""
import json, sys

store = {}
for line in sys.stdin:
    req = json.loads(line)
    if req["type"] == "close":
        break
    reply = {"id": req["id"], "type": "ok"}
    if req["type"] == "invoke":
        f, key, value = req["f"], req.get("key"), req.get("value")
        if f == "read":
            reply["value"] = store.get(key)
        elif f == "write":
            store[key] = value
        elif f == "cas" and store.get(key) == value[0]:
            store[key] = value[1]
        elif f == "cas":
            reply = {"id": req["id"], "type": "fail",
                     "error": "cas mismatch"}
        else:
            reply = {"id": req["id"], "type": "fail",
                     "error": "no operation " + f}
    print(json.dumps(reply), flush=True)
