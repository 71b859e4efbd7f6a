"""``vgr extract --scheduler``: the same CSV from a real Dask cluster as from local processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import voiced_folder
from vgr.cli import app

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(*arguments: str) -> subprocess.Popen:
    """A ``dask`` command in its own process group, importing this checkout's vgr."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen([sys.executable, "-m", "dask", *arguments], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def scheduler():
    """A scheduler and a worker as separate processes on 127.0.0.1; torn down whatever happens."""
    address = f"tcp://127.0.0.1:{free_port()}"
    processes = []
    try:
        processes.append(start("scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                               "--no-dashboard"))
        processes.append(start("worker", address, "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1",
                               "--no-dashboard"))
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(1, timeout=120)
        yield address
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_cluster_output_equals_local_output_with_the_same_failures(scheduler, tmp_path):
    male = voiced_folder(tmp_path / "voices", 6)
    broken = tmp_path / "broken.wav"
    broken.write_text("not audio")
    inputs = [str(broken), str(male)]
    local, remote = tmp_path / "local.csv", tmp_path / "remote.csv"
    one = runner.invoke(app, ["extract", *inputs, "-o", str(local), "-w", "1"])
    many = runner.invoke(app, ["extract", *inputs, "-o", str(remote), "--scheduler", scheduler])
    assert (one.exit_code, many.exit_code) == (1, 1)
    assert remote.read_bytes() == local.read_bytes()
    assert len(local.read_text().splitlines()) == 1 + len(list(male.iterdir()))
    assert f"vgr: {broken}: cannot decode audio" in many.stderr
    assert "files extracted, 1 failed" in many.stderr


def test_unreachable_scheduler_is_one_line_naming_it(tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"
    out = tmp_path / "o.csv"
    result = runner.invoke(app, ["extract", str(voiced_folder(tmp_path / "voices")), "-o", str(out),
                                 "--scheduler", address])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"vgr: error: cannot reach the Dask scheduler at {address} (")
    assert len(result.stderr.splitlines()) == 1
    assert not out.exists() and not (tmp_path / ".o.csv.partial").exists()


def test_malformed_address_is_one_line(tmp_path):
    result = runner.invoke(app, ["extract", str(voiced_folder(tmp_path / "voices")), "-o", str(tmp_path / "o.csv"),
                                 "--scheduler", "nonsense"])
    assert result.exit_code == 1
    assert result.stderr == ("vgr: error: 'nonsense' is not a Dask scheduler address like tcp://host:8786 "
                             "(missing port number in address 'nonsense')\n")
