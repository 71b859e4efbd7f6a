"""Bounded load test of `vgr serve` on 127.0.0.1, and the README screenshot of the page.

    python bench/serve_load.py [--requests 200] [--concurrency 8] [--screenshot docs/serve.png]

Starts `python -m vgr serve` on a free loopback port, sends N uploads of shared recordings with at most C in
flight, stops the server and prints a markdown table (errors, median and 95th-percentile latency).
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FILES = sorted((SHARED / "audio" / "real" / "male").glob("*.wav"))[:4] + sorted((SHARED / "audio" / "real" / "female").glob("*.wav"))[:4]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def load(url: str, requests: int, concurrency: int) -> tuple[list[float], int]:
    payloads = [(path.name, path.read_bytes()) for path in FILES]
    gate = asyncio.Semaphore(concurrency)
    latencies, errors = [], 0

    async def one(client, index):
        nonlocal errors
        name, data = payloads[index % len(payloads)]
        async with gate:
            started = time.perf_counter()
            response = await client.post(f"{url}/api/predict", files={"file": (name, data)})
            latencies.append(time.perf_counter() - started)
            errors += response.status_code != 200

    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(one(client, i) for i in range(requests)))
    return latencies, errors


def screenshot(url: str, path: Path) -> None:
    from playwright.sync_api import sync_playwright

    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        page = browser.new_page(viewport={"width": 900, "height": 1000})
        page.goto(url)
        page.set_input_files("#file", str(SHARED / "audio" / "real" / "female" / "vcc2016_SF1_100002.wav"))
        page.wait_for_selector("#result", state="visible", timeout=30000)
        page.screenshot(path=str(path), full_page=True)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--screenshot", type=Path, default=None)
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "vgr", "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/api/health", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start")
                time.sleep(0.2)
        asyncio.run(load(url, 8, 2))  # warm the extraction pool
        started = time.perf_counter()
        latencies, errors = asyncio.run(load(url, args.requests, args.concurrency))
        elapsed = time.perf_counter() - started
        if args.screenshot:
            screenshot(url, args.screenshot)
    finally:
        server.terminate()
        server.wait(timeout=30)
    cuts = statistics.quantiles(latencies, n=20)
    print("| requests | concurrency | errors | median latency | 95th percentile | throughput |")
    print("|---|---|---|---|---|---|")
    print(f"| {args.requests} | {args.concurrency} | {errors} | {statistics.median(latencies) * 1000:.0f} ms "
          f"| {cuts[18] * 1000:.0f} ms | {args.requests / elapsed:.1f} requests/s |")
    print(f"\nUploads: {len(FILES)} shared WAVs (16 kHz, 1–10 s) in turn; server: `vgr serve` with its default 2 "
          f"extraction processes, bundled model, on this 2-core machine.")


if __name__ == "__main__":
    main()
