#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""genhistory.py DIR N: a register history of N operations (2N events)
by 8 workers over 40 s into DIR/history.jsonl, with a kill of n1, for
the timeline's size and speed (bench/timeline/timeline.sh)."""
import json, random, sys

d, n = sys.argv[1], int(sys.argv[2])
random.seed(1)
workers, span = 8, 40e9
per = n // workers
events = []
for p in range(workers):
    t = 0.0
    for _ in range(per):
        f = random.choice(["read", "write", "cas"])
        key = "r%d" % random.randint(0, 2)
        val = random.randint(0, 4)
        arg = {"key": key} if f == "read" else \
            {"key": key, "value": val if f == "write" else [val, (val + 1) % 5]}
        dur = random.uniform(5e4, 2e6)
        ty = random.choices(["ok", "fail", "info"], [80, 18, 2])[0]
        res = {"key": key, "value": val} if f == "read" else arg
        events.append((int(t), p, "invoke", f, arg, None))
        events.append((int(t + dur), p, ty, f, res if ty == "ok" else arg, "n%d" % (1 + p % 3)))
        t += dur + random.uniform(0, 2 * span / per)
events.append((int(10e9), -1, "info", "start", {"nemesis": "kill", "nodes": ["n1"]}, None))
events.append((int(15e9), -1, "info", "heal", {"nemesis": "kill"}, None))
events.sort(key=lambda e: e[0])
with open(d + "/history.jsonl", "w") as out:
    for i, (t, p, ty, f, v, node) in enumerate(events):
        o = {"index": i, "time": t, "process": "nemesis" if p < 0 else p,
             "type": ty, "f": f, "value": v}
        if node and ty != "invoke":
            o["node"] = node
        out.write(json.dumps(o, separators=(",", ":")) + "\n")
