"""Many concurrent GET /v1/stream readers in one process, for the SSE fan-out benchmark and the API load
fault test: each client stamps every event id on the arrival of its ``data:`` line and counts repeats.

    python -m bench.stream_clients --url URL --clients N --events N --timeout S --ready-file F --out F

The ready file is written once every client's stream is open; the output is JSON
``{"arrivals": [{event_id: unix time}, ...], "duplicates": n, "errors": [...]}``, one dict per client.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path


async def read_streams(url: str, n: int, expect: int, wait_s: float, ready_file: str, out: str) -> None:
    import httpx

    arrivals: list[dict[str, float]] = [{} for _ in range(n)]
    duplicates = [0] * n
    errors: list[str] = []
    connected = 0

    async def one(i: int, client: httpx.AsyncClient) -> None:
        nonlocal connected
        try:
            async with client.stream("GET", url) as response:
                if response.status_code != 200:
                    errors.append(f"client {i}: HTTP {response.status_code}")
                    return
                connected += 1
                if connected == n:
                    await asyncio.to_thread(Path(ready_file).write_text, "ready")
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        eid = json.loads(line[5:])["event_id"]
                        if eid in arrivals[i]:
                            duplicates[i] += 1
                        else:
                            arrivals[i][eid] = time.time()
                        if len(arrivals[i]) >= expect:
                            return
        except httpx.HTTPError as exc:
            errors.append(f"client {i}: {exc.__class__.__name__}")

    limits = httpx.Limits(max_connections=n + 10, max_keepalive_connections=n + 10)
    async with httpx.AsyncClient(timeout=httpx.Timeout(wait_s, connect=30), limits=limits) as client:
        tasks = [asyncio.create_task(one(i, client)) for i in range(n)]
        await asyncio.wait(tasks, timeout=wait_s)
        for t in tasks:
            t.cancel()
    result = {"arrivals": arrivals, "duplicates": sum(duplicates), "errors": errors}
    await asyncio.to_thread(Path(out).write_text, json.dumps(result))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--clients", type=int, required=True)
    ap.add_argument("--events", type=int, required=True, help="a client stops after this many events")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--ready-file", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    asyncio.run(read_streams(args.url, args.clients, args.events, args.timeout, args.ready_file, args.out))


if __name__ == "__main__":
    main()
