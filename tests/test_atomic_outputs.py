"""Outputs are never half-written, even when the process is killed in the middle of a run."""

from __future__ import annotations

import csv
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile

from tests.conftest import EXAMPLES, harmonic_tone, voiced_folder

pytestmark = pytest.mark.bad_input


def test_killed_extraction_leaves_no_output_and_keeps_finished_rows(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    signal_ = np.round(harmonic_tone(150, 16000, 20.0) * 20000).astype(np.int16)
    for index in range(60):
        soundfile.write(str(folder / f"f{index:02d}.wav"), signal_, 16000)
    out = tmp_path / "features.csv"
    partial = tmp_path / ".features.csv.partial"
    process = subprocess.Popen([sys.executable, "-m", "vgr", "extract", str(folder), "-o", str(out), "-w", "1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if partial.exists() and partial.read_text().count("\n") >= 3:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not out.exists(), "a killed run must not leave a final output"
    with open(partial, newline="") as stream:
        lines = stream.read().splitlines()
    complete = [row for row in csv.reader(lines[1:]) if len(row) == 21]
    assert len(complete) >= 2 and complete[0][0] == "f00.wav"


def test_predict_output_is_replaced_whole(tmp_path):
    from typer.testing import CliRunner

    from vgr.cli import app

    out = tmp_path / "p.json"
    out.write_text("old")
    male = EXAMPLES / "male.flac"
    result = CliRunner().invoke(app, ["predict", str(male), "--format", "json", "-o", str(out)])
    assert result.exit_code == 1 and out.read_text() == "old"
    result = CliRunner().invoke(app, ["predict", str(male), "--format", "json", "-o", str(out), "--force"])
    assert result.exit_code == 0 and out.read_text().startswith("[")
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]  # no temporary left behind


def test_unwritable_output_is_one_line(tmp_path):
    from typer.testing import CliRunner

    from vgr.cli import app

    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = blocker / "features.csv"  # a path under a regular file cannot be created
    result = CliRunner().invoke(app, ["extract", str(voiced_folder(tmp_path / "voices")), "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr.startswith("vgr: error: ") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
