"""Stand-ins for node ports: accept TCP connections on ip:port pairs and close them.

``python -m lab.listeners spec.json`` where spec.json is ``[["127.20.0.21", 6443], ...]``.
Stops on SIGTERM, and by itself after ``--max-seconds`` (a lab never outlives its use).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal


async def _serve(pairs: list[tuple[str, int]], max_seconds: float) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    servers = [
        await asyncio.start_server(handle, host, port, reuse_address=True) for host, port in pairs
    ]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=max_seconds)
    for server in servers:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("spec")
    parser.add_argument("--max-seconds", type=float, default=6 * 3600)
    args = parser.parse_args()
    with open(args.spec) as fh:
        pairs = [(str(h), int(p)) for h, p in json.load(fh)]
    asyncio.run(_serve(pairs, args.max_seconds))


if __name__ == "__main__":
    main()
