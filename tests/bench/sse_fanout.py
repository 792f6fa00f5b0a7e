#!/usr/bin/env python3
"""Event fan-out benchmark: N clients follow /api/v1/events over TLS; one
write is made (a citizen created); how long until each client has its
event (p50, p99, max).  Events carry ids, not names, so a client looks for
the first citizen.created after the write was started (nothing else writes
during the run).

usage: sse_fanout.py URL CACERT TOKEN N
Prints one JSON line: {"clients": N, "received": K, "p50_ms": .., "p99_ms": .., "max_ms": ..}
"""
import asyncio, json, ssl, sys, time, urllib.request

url, cafile, token, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
host, port = url.split("//")[1].rsplit(":", 1)
ctx = ssl.create_default_context(cafile=cafile)


async def client(ready, received, go):
    r, w = await asyncio.open_connection(host, int(port), ssl=ctx, server_hostname="localhost")
    w.write(("GET /api/v1/events HTTP/1.1\r\nHost: localhost\r\n"
             "Authorization: Bearer %s\r\nAccept: text/event-stream\r\n\r\n" % token).encode())
    await w.drain()
    buf = b""
    since_go = None
    announced = False
    while True:
        chunk = await asyncio.wait_for(r.read(65536), timeout=60)
        if not chunk:
            return
        if not announced:
            buf += chunk
            if b"connected" in buf:
                announced = True
                ready.release()
            continue
        if go[0] and since_go is None:
            since_go = b""
        if since_go is None:
            continue
        since_go += chunk
        if b"event: citizen.created" in since_go:
            received.append(time.monotonic() - go[0])
            w.close()
            return


def trigger():
    body = json.dumps({"given_name": "Fan", "family_name": "Out"}).encode()
    rq = urllib.request.Request(url + "/api/v1/citizens", data=body, method="POST", headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json"})
    urllib.request.urlopen(rq, context=ctx).read()


async def main():
    ready = asyncio.Semaphore(0)
    received, go = [], [0.0]
    tasks = []
    for i in range(n):
        tasks.append(asyncio.create_task(client(ready, received, go)))
        if i % 100 == 99:
            await asyncio.sleep(0)  # let handshakes progress
    for _ in range(n):
        await asyncio.wait_for(ready.acquire(), timeout=120)
    go[0] = time.monotonic()
    await asyncio.get_running_loop().run_in_executor(None, trigger)
    await asyncio.wait(tasks, timeout=60)
    lat = sorted(x * 1000 for x in received)
    def pct(p):
        return round(lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else None
    print(json.dumps({"clients": n, "received": len(lat), "p50_ms": pct(0.50),
                      "p99_ms": pct(0.99), "max_ms": round(lat[-1], 1) if lat else None}))

asyncio.run(main())
