"""Bounded load test of `vgr serve` on 127.0.0.1, and the README screenshot of the page.

    python bench/serve_load.py [--requests 200] [--concurrency 8] [--screenshot docs/serve.png]

Starts `python -m vgr serve` on a free loopback port, sends N uploads of shared recordings with at most C in
flight, stops the server and prints a markdown table (errors, median and 95th-percentile latency, and the peak
disk taken by the server's temporary files, polled every 2 ms in the server's own TMPDIR). Then, for the upload
limit: 20 concurrent uploads of a 20 MB WAV, and a 1 GB body streamed without Content-Length (refused at the
25 MB limit), each with its peak temporary disk.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import io
import os
import subprocess
import sys
import tempfile
import threading
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


class DiskPeak:
    """Polls the bytes of every file under ``folder`` in a thread; ``peak`` is the most seen."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.peak, self._stop = folder, 0, threading.Event()

    def __enter__(self):
        self.peak = 0
        self._stop.clear()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stop.is_set():
            total = 0
            for root, _, names in os.walk(self.folder):
                for name in names:
                    try:
                        total += os.stat(os.path.join(root, name)).st_size
                    except OSError:
                        pass
            self.peak = max(self.peak, total)
            time.sleep(0.002)


def big_wav(megabytes: int) -> bytes:
    import numpy as np
    import soundfile

    rate = 16000
    t = np.arange(megabytes * 2**20 // 2) / rate
    buffer = io.BytesIO()
    soundfile.write(buffer, 0.3 * np.sin(2 * np.pi * 150 * t), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


async def large_uploads(url: str, data: bytes, count: int) -> list[int]:
    async with httpx.AsyncClient(timeout=300) as client:
        responses = await asyncio.gather(*(client.post(f"{url}/api/predict", files={"file": ("big.wav", data)})
                                           for _ in range(count)))
    return [response.status_code for response in responses]


async def endless_upload(url: str, megabytes: int) -> str:
    """A multipart body streamed without Content-Length; the server should answer 413 at its limit."""
    boundary = b"vgr-bench"

    async def body():
        yield b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="endless.wav"\r\n\r\n'
        chunk = b"\0" * 2**20
        for _ in range(megabytes):
            yield chunk

    async with httpx.AsyncClient(timeout=300) as client:
        try:
            response = await client.post(f"{url}/api/predict", content=body(),
                                         headers={"content-type": f"multipart/form-data; boundary={boundary.decode()}"})
            return str(response.status_code)
        except httpx.HTTPError as error:  # the server may close the connection while the client still sends
            return f"connection closed ({type(error).__name__})"


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
    scratch = Path(tempfile.mkdtemp(prefix="vgr-bench-tmp-"))
    server = subprocess.Popen([sys.executable, "-m", "vgr", "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "TMPDIR": str(scratch)})
    disk = DiskPeak(scratch)
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
        with disk:
            latencies, errors = asyncio.run(load(url, args.requests, args.concurrency))
        elapsed, load_peak = time.perf_counter() - started, disk.peak
        data = big_wav(20)
        with disk:
            statuses = asyncio.run(large_uploads(url, data, 20))
        large_peak = disk.peak
        with disk:
            started = time.perf_counter()
            endless = asyncio.run(endless_upload(url, 1024))
            endless_seconds = time.perf_counter() - started
        endless_peak = disk.peak
        if args.screenshot:
            screenshot(url, args.screenshot)
    finally:
        server.terminate()
        server.wait(timeout=30)
        leftover = sum(1 for _ in scratch.rglob("*"))
        for path in sorted(scratch.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        scratch.rmdir()
    cuts = statistics.quantiles(latencies, n=20)
    print("| requests | concurrency | errors | median latency | 95th percentile | throughput | peak temporary disk |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {args.requests} | {args.concurrency} | {errors} | {statistics.median(latencies) * 1000:.0f} ms "
          f"| {cuts[18] * 1000:.0f} ms | {args.requests / elapsed:.1f} requests/s | {load_peak / 2**20:.1f} MiB |")
    print("\n| upload | answers | peak temporary disk |")
    print("|---|---|---|")
    answers = ", ".join(f"{statuses.count(code)} x {code}" for code in sorted(set(statuses)))
    print(f"| 20 concurrent uploads of a {len(data) / 2**20:.0f} MiB WAV | {answers} | {large_peak / 2**20:.0f} MiB |")
    print(f"| 1 GiB streamed without Content-Length (limit 25 MiB) | {endless} after {endless_seconds:.2f} s "
          f"| {endless_peak / 2**20:.1f} MiB |")
    print(f"\nTemporary files left after the run: {leftover}.")
    print(f"\nUploads: {len(FILES)} shared WAVs (16 kHz, 1–10 s) in turn; server: `vgr serve` with its default 2 "
          f"extraction processes, bundled model, on this 2-core machine.")


if __name__ == "__main__":
    main()
