#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A client program for the exec client's tests: each operation name is
one way to behave, well or badly (tests/systems/exec_client.c).  With
--refuse it refuses to open; with --mute it never answers open."""
import json
import os
import sys
import time

opened = None


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    global opened
    for line in sys.stdin:
        req = json.loads(line)
        rid, kind = req["id"], req["type"]
        if kind == "open":
            opened = req
            if "--mute" in sys.argv:
                continue
            if "--refuse" in sys.argv:
                reply({"id": rid, "type": "fail", "error": "no cluster here"})
            else:
                reply({"id": rid, "type": "ok"})
            continue
        if kind == "close":
            return
        if kind == "setup":
            with open(os.environ["MARK"], "a") as f:
                f.write("setup\n")
            reply({"id": rid, "type": "ok"})
            continue
        if kind == "roles":
            reply({"id": rid, "type": "ok", "value": {"n1": "primary", "n2": "replica"}})
            continue
        if kind == "metrics":
            reply({"id": rid, "type": "ok", "value": {"n1": {"ops": 7}}})
            continue
        f = req["f"]
        if f == "echo":
            reply({"id": rid, "type": "ok", "value": req.get("value")})
        elif f == "request":
            reply({"id": rid, "type": "ok", "value": req})
        elif f == "opened":
            reply({"id": rid, "type": "ok", "value": opened})
        elif f == "argv":
            reply({"id": rid, "type": "ok", "value": sys.argv[1:]})
        elif f == "env":
            reply({"id": rid, "type": "ok", "value": os.environ.get(req["value"])})
        elif f == "pid":
            reply({"id": rid, "type": "ok", "value": os.getpid()})
        elif f == "nothing":
            reply({"id": rid, "type": "ok"})
        elif f == "fail":
            reply({"id": rid, "type": "fail", "error": "nope"})
        elif f == "info":
            reply({"id": rid, "type": "info", "error": "gave up"})
        elif f == "garbage":
            sys.stdout.write("garbage here\n")
            sys.stdout.flush()
        elif f == "wrong-id":
            reply({"id": rid + 1, "type": "ok"})
        elif f == "twice":
            reply({"id": rid, "type": "ok"})
            reply({"id": rid, "type": "ok"})
        elif f == "no-type":
            reply({"id": rid})
        elif f == "bad-type":
            reply({"id": rid, "type": "maybe"})
        elif f == "array":
            reply([rid, "ok"])
        elif f == "exit":
            sys.exit(3)
        elif f == "kill":
            os.kill(os.getpid(), 9)
        elif f == "close-stdout":
            os.close(1)
            time.sleep(10)
        elif f == "slow":
            time.sleep(10)
            reply({"id": rid, "type": "ok"})
        elif f == "huge":
            reply({"id": rid, "type": "ok", "value": "x" * 100000})
        elif f == "stderr":
            sys.stderr.write("a line for the log\n")
            sys.stderr.flush()
            reply({"id": rid, "type": "ok"})
        else:
            reply({"id": rid, "type": "fail", "error": "no operation " + f})


if __name__ == "__main__":
    main()
