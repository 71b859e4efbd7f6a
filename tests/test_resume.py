"""``vgr extract --resume``: an interrupted run keeps its rows, and a rerun extracts only the rest."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile
from typer.testing import CliRunner

from tests.conftest import harmonic_tone
from vgr.cli import app
from vgr.features import FEATURE_NAMES
from vgr.runs.resume import complete_rows

runner = CliRunner()
HEADER = ["file", *FEATURE_NAMES]
RATE = 48000  # slow enough per file that a signal lands mid-run on a fast machine


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """40 different 20 s voices: long enough that a run can be stopped half-way."""
    folder = tmp_path_factory.mktemp("many")
    for index in range(40):
        samples = np.round(harmonic_tone(100 + 4 * index, RATE, 20.0) * 20000).astype(np.int16)
        soundfile.write(str(folder / f"f{index:02d}.wav"), samples, RATE)
    return folder


@pytest.fixture(scope="module")
def uninterrupted(many, tmp_path_factory):
    out = tmp_path_factory.mktemp("reference") / "features.csv"
    assert runner.invoke(app, ["extract", str(many), "-o", str(out), "-w", "1"]).exit_code == 0
    return out.read_bytes()


def interrupt(many, out, how: signal.Signals, workers: str) -> int:
    """Start ``vgr extract`` in a subprocess, send ``how`` once it has written a few rows; its exit code."""
    partial = out.with_name(f".{out.name}.partial")
    # a shell's background job inherits SIGINT ignored, and so would vgr: give it the default, as a terminal does
    process = subprocess.Popen([sys.executable, "-m", "vgr", "extract", str(many), "-o", str(out), "-w", workers],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if partial.exists() and partial.read_text().count("\n") >= 4:
            break
        time.sleep(0.005)
    process.send_signal(how)
    return process.wait(timeout=60)


@pytest.mark.parametrize(("how", "workers", "code"), [(signal.SIGKILL, "1", -9), (signal.SIGINT, "2", 130)])
def test_resume_after_an_interruption_gives_the_uninterrupted_output(many, uninterrupted, tmp_path, how, workers, code):
    out = tmp_path / "features.csv"
    assert interrupt(many, out, how, workers) == code
    partial = tmp_path / ".features.csv.partial"
    assert not out.exists()
    kept = complete_rows(partial, HEADER)
    assert 3 <= len(kept) < 40 and "f00.wav" in kept
    result = runner.invoke(app, ["extract", str(many), "-o", str(out), "--resume", "-w", "2"])
    assert result.exit_code == 0
    assert f"{40 - len(kept)} files extracted, 0 failed, {len(kept)} already done" in result.stderr
    assert out.read_bytes() == uninterrupted
    assert sorted(p.name for p in tmp_path.iterdir()) == ["features.csv"]


def test_a_half_written_last_line_is_extracted_again(many, uninterrupted, tmp_path):
    out = tmp_path / "features.csv"
    lines = uninterrupted.decode().splitlines(keepends=True)
    (tmp_path / ".features.csv.partial").write_text("".join(lines[:6]) + lines[6][:40])
    result = runner.invoke(app, ["extract", str(many), "-o", str(out), "--resume"])
    assert result.exit_code == 0
    assert "35 files extracted, 0 failed, 5 already done" in result.stderr
    assert out.read_bytes() == uninterrupted


def test_resume_treats_an_existing_output_as_done(many, uninterrupted, tmp_path, write_wav):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("f03.wav", "f07.wav"):
        (folder / name).write_bytes((many / name).read_bytes())
    out = tmp_path / "features.csv"
    assert runner.invoke(app, ["extract", str(folder), "-o", str(out)]).exit_code == 0
    first = out.read_text()
    write_wav("in/f05.wav", harmonic_tone(120, 16000, 20.0), 16000)
    result = runner.invoke(app, ["extract", str(folder), "-o", str(out), "--resume"])
    assert result.exit_code == 0
    assert "1 files extracted, 0 failed, 2 already done" in result.stderr
    rows = out.read_text().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["f03.wav", "f05.wav", "f07.wav"]
    assert [rows[1], rows[3]] == first.splitlines()[1:]


def test_resume_with_nothing_to_resume_is_a_plain_run(many, uninterrupted, tmp_path):
    out = tmp_path / "features.csv"
    result = runner.invoke(app, ["extract", str(many), "-o", str(out), "--resume", "-w", "2"])
    assert result.exit_code == 0
    assert "40 files extracted, 0 failed, 0 already done" in result.stderr
    assert out.read_bytes() == uninterrupted


def test_resume_refuses_a_partial_file_with_other_columns(many, tmp_path):
    out = tmp_path / "features.csv"
    partial = tmp_path / ".features.csv.partial"
    partial.write_text("file,meanfreq,label\nf00.wav,0.1,male\n")
    result = runner.invoke(app, ["extract", str(many), "-o", str(out), "--resume"])
    assert result.exit_code == 1
    assert result.stderr == (f"vgr: error: {partial}: cannot resume: its columns differ from this run's "
                             "(labels added or removed?)\n")
    assert partial.read_text() == "file,meanfreq,label\nf00.wav,0.1,male\n"


def test_complete_rows_drops_a_cut_line_and_short_rows(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("file,a,b\nx.wav,1,2\ny.wav,3\nz.wav,4,5\nw.wav,6,")
    assert complete_rows(path, ["file", "a", "b"]) == {"x.wav": ["x.wav", "1", "2"], "z.wav": ["z.wav", "4", "5"]}
    assert complete_rows(tmp_path / "missing.csv", ["file"]) == {}
    (tmp_path / "cut.csv").write_text("file,a")
    assert complete_rows(tmp_path / "cut.csv", ["file", "a"]) == {}
