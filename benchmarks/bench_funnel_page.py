"""Requests per second and p99 latency of a published funnel page, next to a bare Starlette app
returning the same bytes on the same uvicorn (httptools, access log on) in the same run.

Load comes from a separate process on loopback (``benchmarks._loadgen``): 32 keep-alive
connections, a bounded number of requests, the session cookie sent back like a browser. Two
pages are measured: the landing page with a form (a fresh signed token per request) and a step
without one. Rounds alternate so drift hits every contender alike; medians are reported.
Target: the published page at 0.5x the bare app or better.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from benchmarks._funnel_site import BareServer, access_log_to, build_site
from ghl_desktop.funnel_server.runner import FunnelServer
from ghl_desktop.services.sites.server_settings import ServerSettings

ROUNDS = 3
REQUESTS = 20_000
CONNECTIONS = 32
ROOT = Path(__file__).resolve().parents[1]


def load(
    url: str, requests: int = REQUESTS, *, form: bool = False, connections: int = CONNECTIONS
) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "benchmarks._loadgen", url, "--requests", str(requests),
               "--connections", str(connections), *(["--form"] if form else [])]  # fmt: skip
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    result: dict[str, float] = json.loads(out)
    return result


def _summary(runs: list[dict[str, float]]) -> tuple[float, float]:
    return statistics.median(r["rps"] for r in runs), statistics.median(r["p99_ms"] for r in runs)


def measure() -> dict[str, tuple[float, float]]:
    with tempfile.TemporaryDirectory(prefix="ghl-funnel-bench-") as scratch:
        folder = Path(scratch)
        site = build_site(folder / "data")
        handler = access_log_to(folder / "access.log")
        settings = ServerSettings(port=0, submissions_per_minute=1_000_000)
        server = FunnelServer(site.runtime.uows, site.runtime.clock, site.runtime.secrets, settings)
        server.start()
        try:
            static_body = httpx.get(server.url + site.static_path).content
            form_body = httpx.get(server.url + site.form_path).content
            print(f"page sizes: with form {len(form_body)} bytes, static {len(static_body)} bytes")
            runs: dict[str, list[dict[str, float]]] = {"bare": [], "form": [], "static": []}
            for _ in range(ROUNDS):
                with BareServer(static_body) as bare:
                    runs["bare"].append(load(bare.url + site.static_path))
                runs["static"].append(load(server.url + site.static_path))
                runs["form"].append(load(server.url + site.form_path))
                for name, results in runs.items():
                    assert results[-1]["statuses"] == {"200": REQUESTS}, (name, results[-1])
        finally:
            server.stop()
            handler.close()
            site.runtime.close()
    return {name: _summary(results) for name, results in runs.items()}


def main() -> None:
    figures = measure()
    bare_rps, bare_p99 = figures["bare"]
    for name, label in (("static", "published page"), ("form", "published page with a form")):
        rps, p99 = figures[name]
        print(
            f"funnel {label}: {rps:,.0f} req/s, p99 {p99:.1f} ms "
            f"(bare Starlette, same bytes: {bare_rps:,.0f} req/s, p99 {bare_p99:.1f} ms; "
            f"ratio {rps / bare_rps:.2f}, target >= 0.5)"
        )


if __name__ == "__main__":
    main()
