#!/usr/bin/env python3
"""A TCP proxy for the network-fault tests: forwards 127.0.0.1:<free port>
to the target, and while the file CUT exists it drops every connection it
carries and closes each new one at once (the link is down).  Writes its
port to PORT_FILE once it listens.

usage: tcp_proxy.py TARGET_HOST TARGET_PORT CUT PORT_FILE
"""
import asyncio
import os
import sys

host, port, cut, port_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
live = set()


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def serve(client_r, client_w):
    if os.path.exists(cut):
        client_w.close()
        return
    try:
        up_r, up_w = await asyncio.open_connection(host, port)
    except OSError:
        client_w.close()
        return
    pair = (client_w, up_w)
    live.add(pair)
    await asyncio.gather(pipe(client_r, up_w), pipe(up_r, client_w))
    live.discard(pair)


async def watch():
    # Polling a file is the proxy's own business: the tests never wait on it.
    while True:
        if os.path.exists(cut):
            for pair in list(live):
                for w in pair:
                    w.transport.abort()
                live.discard(pair)
        await asyncio.sleep(0.005)


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.sockets[0].getsockname()[1]))
    os.rename(tmp, port_file)
    asyncio.ensure_future(watch())
    async with server:
        await server.serve_forever()


asyncio.run(main())
