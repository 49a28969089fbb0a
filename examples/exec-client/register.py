#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A DT exec client for redis, in Python with nothing but its standard
library: the register workload (read, write, cas) over redis's RESP
protocol, spoken here in a few lines.  See dt-exec-client(7).

DT starts one of these per worker and writes one JSON request a line on
its stdin; it answers each with one JSON line on stdout:

  {"type": "open", "id": 1, "address": "10.0.0.2:6379", "timeout": 1, ...}
      -> {"id": 1, "type": "ok"}
  {"type": "invoke", "id": 2, "f": "cas", "key": "r1", "value": [1, 4]}
      -> {"id": 2, "type": "fail", "error": "cas mismatch"}
  {"type": "roles", "id": 2}      (with the client's roles: true)
      -> {"id": 2, "type": "ok", "value": {"n1": "primary", "n2": "replica"}}

ok: it happened; fail: it certainly did not; info: nobody knows (the
request went out and no answer came back).  Anything it prints for
people goes to stderr, which DT copies into the run's dt.log.

  --stale-cache   a planted bug: reads are answered from a cache of what
                  this process last read or wrote, never invalidated.
                  DT must find the run invalid.
"""
import json
import socket
import sys

# compare and set, atomically on the server: 1 when it set
CAS = ("local v = redis.call('GET', KEYS[1]) "
       "if v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 "
       "end return 0")


class RedisError(Exception):
    """An error reply (-ERR ...): redis refused, nothing happened."""


class Redis:
    """One connection speaking RESP: a command is an array of bulk
    strings; replies are +simple, -error, :integer, $bulk, *array."""

    def __init__(self, address, timeout):
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout)
        self.file = self.sock.makefile("rb")

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self.reply()

    def reply(self):
        line = self.file.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError("connection closed")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RedisError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            if int(rest) < 0:
                return None
            data = self.file.read(int(rest) + 2)
            return data[:-2].decode()
        if kind == b"*":
            return [self.reply() for _ in range(int(rest))]
        raise ConnectionError("not RESP: %r" % line)

    def close(self):
        self.sock.close()


class Client:
    def __init__(self, stale_cache):
        self.address = None
        self.timeout = 1.0
        self.conn = None
        self.stale_cache = stale_cache
        self.cache = {}
        self.nodes = []

    def open(self, req):
        self.nodes = req.get("nodes", [])
        # the processes DT starts for roles (and setup, metrics) have no
        # node of their own: they get every node in "nodes"
        self.address = req.get("address")
        # answer before DT's own deadline passes
        self.timeout = max(0.05, req.get("timeout", 1.0) * 0.8)
        return {"type": "ok"}

    def invoke(self, req):
        f, key, value = req["f"], req.get("key"), req.get("value")
        if f == "read" and self.stale_cache and key in self.cache:
            return {"type": "ok", "value": self.cache[key]}
        if self.address is None:
            return {"type": "fail", "error": "no node given (the chart has none)"}
        sent = False
        try:
            if self.conn is None:
                self.conn = Redis(self.address, self.timeout)
            sent = True
            if f == "read":
                text = self.conn.call("GET", key)
                v = None if text is None else json.loads(text)
                self.cache[key] = v
                return {"type": "ok", "value": v}
            if f == "write":
                self.conn.call("SET", key, json.dumps(value))
                self.cache[key] = value
                return {"type": "ok"}
            if f == "cas":
                old, new = value
                if self.conn.call("EVAL", CAS, 1, key, json.dumps(old),
                                  json.dumps(new)) == 1:
                    self.cache[key] = new
                    return {"type": "ok"}
                return {"type": "fail", "error": "cas mismatch"}
            return {"type": "fail", "error": "no operation %r" % f}
        except RedisError as e:
            return {"type": "fail", "error": str(e)}
        except (OSError, ConnectionError) as e:
            self.drop()
            # a read changes nothing; a write sent may have happened
            certain = not sent or f == "read"
            return {"type": "fail" if certain else "info", "error": str(e) or type(e).__name__}

    def roles(self):
        """Each node's role as its INFO replication says (role:master or
        role:slave), "down" when it does not answer."""
        roles = {}
        for node in self.nodes:
            try:
                r = Redis(node["address"], 0.3)
                info = r.call("INFO", "replication")
                r.close()
                roles[node["name"]] = ("primary" if "role:master" in info
                                       else "replica")
            except (OSError, ConnectionError, RedisError):
                roles[node["name"]] = "down"
        return {"type": "ok", "value": roles}

    def drop(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def main():
    client = Client("--stale-cache" in sys.argv[1:])
    for line in sys.stdin:
        req = json.loads(line)
        kind = req["type"]
        if kind == "open":
            reply = client.open(req)
        elif kind == "invoke":
            reply = client.invoke(req)
        elif kind == "roles":
            reply = client.roles()
        elif kind == "close":
            break
        else:
            reply = {"type": "fail", "error": "no request %r" % kind}
        reply["id"] = req["id"]
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    client.drop()
    print("register.py: closed", file=sys.stderr)


if __name__ == "__main__":
    main()
