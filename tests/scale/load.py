#!/usr/bin/env python3
"""The scale test's load (tests/scale/run): N event streams spread over the
nodes, R writes a second (case notes) for S seconds, a command run midway
(the driver kills and restarts a node there).  Every stream that drops
reconnects to the next node with Last-Event-ID; every write that fails is
sent again, with the same Idempotency-Key, to the next node.  At the end it
prints the figures and exits 0 only when no event was lost or doubled.

usage: load.py --node URL CAFILE [--node ...] --tokens FILE --cases 1,2,...
               [--streams N] [--rate R] [--seconds S] [--midway CMD]
FILE (0600) holds two lines: the streams' token, the writers' token.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys
import time
import re
from urllib.parse import urlsplit

NOTE_ID = re.compile(rb'"note_id": ?(\d+)')


def now():
    return time.monotonic()


class Node:
    def __init__(self, url, cafile):
        u = urlsplit(url)
        self.host, self.port = u.hostname, u.port
        self.ctx = ssl.create_default_context(cafile=cafile)  # verification on
        self.name = url


async def http(node, method, path, token, body=None, headers=(), timeout=10):
    """One request on its own connection: (status, parsed JSON or None)."""
    r, w = await asyncio.wait_for(
        asyncio.open_connection(node.host, node.port, ssl=node.ctx,
                                server_hostname=node.host), timeout)
    try:
        data = json.dumps(body).encode() if body is not None else b""
        head = [f"{method} {path} HTTP/1.0", f"Host: {node.host}",
                f"Authorization: Bearer {token}", f"Content-Length: {len(data)}"]
        if body is not None:
            head.append("Content-Type: application/json")
        head += list(headers)
        w.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        raw = await asyncio.wait_for(r.read(), timeout)
    finally:
        w.close()
    status = int(raw.split(b" ", 2)[1])
    payload = raw.split(b"\r\n\r\n", 1)[1]
    try:
        return status, json.loads(payload) if payload else None
    except ValueError:
        return status, None


class Stream:
    """One reader of /api/v1/events, moving to the next node when its own
    goes: the ids it got, when each note arrived."""

    def __init__(self, k, nodes, token, run):
        self.k, self.nodes, self.token, self.run = k, nodes, token, run
        self.node = k % len(nodes)
        self.last = None
        self.seen = set()
        self.dups = 0
        self.notes = {}          # note_id -> arrival time
        self.opened = None       # first connection's time
        self.reconnects = 0

    async def once(self):
        node = self.nodes[self.node]
        r, w = await asyncio.wait_for(
            asyncio.open_connection(node.host, node.port, ssl=node.ctx,
                                    server_hostname=node.host), 10)
        head = [f"GET /api/v1/events HTTP/1.0", f"Host: {node.host}",
                f"Authorization: Bearer {self.token}"]
        if self.last is not None:
            head.append(f"Last-Event-ID: {self.last}")
        w.write(("\r\n".join(head) + "\r\n\r\n").encode())
        try:
            status = (await r.readline()).split(b" ")
            if len(status) < 2 or status[1] != b"200":
                raise ConnectionError(b" ".join(status))
            while (await r.readline()) not in (b"\r\n", b""):
                pass
            await self.read(r)
        finally:
            w.close()

    async def read(self, r):
        # by chunks, not lines: the tool must not be what is measured
        buf = b""
        while True:
            chunk = await r.read(65536)
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk.replace(b"\r\n", b"\n")
            *blocks, buf = buf.split(b"\n\n")
            t = now()
            for b in blocks:
                self.block(b, t)

    def block(self, b, t):
        if b.startswith(b":"):
            if self.opened is None:
                self.opened = t
            return
        if not b.startswith(b"id: "):
            return
        eol = b.find(b"\n")
        cur_id = int(b[4:eol])
        if cur_id in self.seen:
            self.dups += 1
            return
        self.seen.add(cur_id)
        self.last = cur_id
        if b"event: case.note" in b:
            m = NOTE_ID.search(b)
            if m:
                self.notes[int(m.group(1))] = t

    async def follow(self):
        while not self.run.done:
            try:
                await self.once()
            except (OSError, ConnectionError, asyncio.TimeoutError, ssl.SSLError, ValueError):
                pass
            if self.run.done:
                break
            self.reconnects += 1
            self.node = (self.node + 1) % len(self.nodes)
            await asyncio.sleep(0.2)  # a backoff, not a synchronisation


class Run:
    def __init__(self):
        self.done = False
        self.acked = {}          # note_id -> send time
        self.failed = 0
        self.retries = 0


async def write(run, nodes, token, case, n):
    key = f"scale-{os.getpid()}-{n}"
    sent = now()
    for attempt in range(3 * len(nodes)):
        node = nodes[(n + attempt) % len(nodes)]
        try:
            st, body = await http(node, "POST", f"/api/v1/cases/{case}/notes", token,
                                  {"text": f"scale note {n}"}, [f"Idempotency-Key: {key}"])
            if st in (200, 201) and body and "id" in body:
                run.acked[body["id"]] = sent
                return
        except (OSError, asyncio.TimeoutError, ssl.SSLError, ValueError, IndexError):
            pass
        run.retries += 1
        await asyncio.sleep(0.2)
    run.failed += 1


async def writers(run, nodes, token, cases, rate, seconds, midway):
    tasks, n, start = [], 0, now()
    mid = None
    while now() - start < seconds:
        due = start + n / rate
        if now() < due:
            await asyncio.sleep(due - now())
        tasks.append(asyncio.ensure_future(write(run, nodes, token, cases[n % len(cases)], n)))
        n += 1
        if midway and mid is None and now() - start >= seconds / 2:
            mid = await asyncio.create_subprocess_shell(midway)
    if mid:
        await mid.wait()
    await asyncio.gather(*tasks)
    return n


async def found_afterwards(nodes, token, cases, acked):
    found = set()
    for case in cases:
        for node in nodes:
            try:
                st, body = await http(node, "GET", f"/api/v1/cases/{case}/events", token)
            except OSError:
                continue
            if st == 200:
                found |= {e["id"] for e in body.get("items", []) if e.get("kind") == "note"}
                break
    return len(found & set(acked))


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


async def main(a):
    nodes = [Node(u, c) for u, c in a.node]
    with open(a.tokens) as f:
        stream_token, write_token = f.read().split()[:2]
    cases = [int(c) for c in a.cases.split(",")]
    run = Run()
    streams = [Stream(k, nodes, stream_token, run) for k in range(a.streams)]
    tasks = [asyncio.ensure_future(s.follow()) for s in streams]
    deadline = now() + 60
    while now() < deadline and any(s.opened is None for s in streams):
        await asyncio.sleep(0.1)
    opened = sum(s.opened is not None for s in streams)
    print(f"streams open:                    {opened} of {a.streams}", flush=True)
    sent = await writers(run, nodes, write_token, cases, a.rate, a.seconds, a.midway)
    # quiet: every stream has every acknowledged note it should have
    deadline = now() + 15
    def missing():
        return sum(1 for s in streams if s.opened is not None
                   for note, t in run.acked.items() if t > s.opened and note not in s.notes)
    while now() < deadline and missing():
        await asyncio.sleep(0.2)
    run.done = True
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    expected = delivered = 0
    lat = []
    for s in streams:
        if s.opened is None:
            continue
        for note, t in run.acked.items():
            if t > s.opened:
                expected += 1
                if note in s.notes:
                    delivered += 1
                    lat.append((s.notes[note] - t) * 1000)
    lost = expected - delivered
    dups = sum(s.dups for s in streams)
    found = await found_afterwards(nodes, write_token, cases, run.acked)
    print(f"writes sent:                     {sent}")
    print(f"writes acknowledged:             {len(run.acked)} ({run.failed} failed, "
          f"{run.retries} retries)")
    print(f"events expected:                 {expected}")
    print(f"events delivered:                {delivered}")
    print(f"events lost:                     {lost}")
    print(f"events duplicated:               {dups}")
    print(f"delivery latency p50 / p99:      {pct(lat, 50):.0f} ms / {pct(lat, 99):.0f} ms"
          "  (write sent -> event read)")
    print(f"stream reconnections:            {sum(s.reconnects for s in streams)}")
    print(f"acknowledged writes found afterwards: {found} of {len(run.acked)}")
    return 0 if lost == 0 and dups == 0 and found == len(run.acked) and opened else 1


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--node", nargs=2, action="append", required=True, metavar=("URL", "CAFILE"))
    p.add_argument("--tokens", required=True)
    p.add_argument("--cases", required=True)
    p.add_argument("--streams", type=int, default=500)
    p.add_argument("--rate", type=float, default=100)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--midway")
    sys.exit(asyncio.run(main(p.parse_args())))
