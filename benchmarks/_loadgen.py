"""A small HTTP/1.1 load generator, run in its own process by the funnel benchmarks.

``python -m benchmarks._loadgen URL --requests N --connections C [--form]`` keeps C keep-alive
connections busy until N requests are answered, then prints one JSON line: requests, seconds,
requests per second, latency percentiles (ms) and status counts.

Plain GET mode fetches URL over and over, sending back the session cookie the first answer set
(a returning browser). ``--form`` makes each request a visitor's submission: GET the page, take
the form's token, POST the form (a new email each time, so every post creates a contact); the
figures then count and time the POSTs only.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import sys
import time
from collections import Counter
from urllib.parse import urlencode, urlsplit

_TOKEN = re.compile(rb'name="_token" value="([^"]+)"')
_FORM = re.compile(rb'name="_form" value="([^"]+)"')
_COOKIE = re.compile(rb"set-cookie: (ghl_sid=[^;]+)", re.IGNORECASE)


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookie = b""
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        assert self.reader is not None
        assert self.writer is not None
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "User-Agent: ghl-loadgen",
        ]
        if self.cookie:
            head.append("Cookie: " + self.cookie.decode())
        if body:
            head += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
            ]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        headers = await self.reader.readuntil(b"\r\n\r\n")
        status = int(headers[9:12])
        length = re.search(rb"content-length: (\d+)", headers, re.IGNORECASE)
        payload = await self.reader.readexactly(int(length.group(1))) if length else b""
        cookie = _COOKIE.search(headers)
        if cookie:
            self.cookie = cookie.group(1)
        return status, payload


async def _run(url: str, total: int, connections: int, form: bool) -> dict[str, object]:
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"
    counter = itertools.count()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()

    async def worker(index: int) -> None:
        conn = Connection(host, port)
        await conn.open()
        await conn.request("GET", path)  # warm: the session cookie, the page in the cache
        while next(counter) < total:
            if form:
                _, page = await conn.request("GET", path)
                token, form_id = _TOKEN.search(page), _FORM.search(page)
                if token is None or form_id is None:
                    raise RuntimeError("no form on the page")
                n = next(emails)
                body = urlencode(
                    {
                        "_form": form_id.group(1).decode(),
                        "_token": token.group(1).decode(),
                        "full_name": f"Visitor {index} {n}",
                        "email": f"visitor{n}@example.com",
                        "agree": "on",
                    }
                ).encode()
                started = time.perf_counter()
                status, _ = await conn.request("POST", path, body)
            else:
                started = time.perf_counter()
                status, _ = await conn.request("GET", path)
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1

    emails = itertools.count()
    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(connections)))
    seconds = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "seconds": seconds,
        "rps": len(latencies) / seconds,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": latencies[-1] * 1000,
        "statuses": {str(k): v for k, v in statuses.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--form", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(_run(args.url, args.requests, args.connections, args.form))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
