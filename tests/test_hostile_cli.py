"""Hostile input to the command line (issue 18): special files, file names no CSV writer expected, files that
decode into far more samples than their size suggests, rates the analysis cannot take, decoder noise."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from tests.conftest import harmonic_tone
from vgr.errors import AudioError, UnreadableAudioError
from vgr.features.audio import MAX_SAMPLE_RATE, read_audio
from vgr.features.extract import extract_features

RATE = 16000
EXAMPLES = Path(__file__).resolve().parents[1] / "vgr" / "examples"


def vgr(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real command, as bytes (file names need not be UTF-8), under a timeout: a hang fails the test."""
    return subprocess.run([sys.executable, "-m", "vgr", *args], cwd=cwd, capture_output=True, timeout=timeout)


def stderr_lines(result) -> list[str]:
    text = result.stderr.decode("utf-8")
    assert "Traceback" not in text
    return text.splitlines()


# --- 1: a FIFO, a socket or a device is refused before it is opened ---------------------------------------

@pytest.mark.bad_input
def test_fifo_is_refused_without_opening_it(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    os.mkfifo(folder / "p.wav")
    for command in (["predict", "d"], ["extract", "d", "-o", "o.csv"]):
        result = vgr(*command, cwd=tmp_path, timeout=60)  # blocked forever in open() before the fix
        assert result.returncode == 1
        assert stderr_lines(result)[0].endswith("p.wav: is a named pipe (FIFO), not a regular file")


@pytest.mark.bad_input
def test_socket_and_character_device_are_refused(tmp_path):
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "s.wav"))
    try:
        with pytest.raises(UnreadableAudioError, match=r"s\.wav: is a socket, not a regular file$"):
            read_audio(tmp_path / "s.wav")
    finally:
        server.close()
    (tmp_path / "null.wav").symlink_to("/dev/null")
    with pytest.raises(UnreadableAudioError, match=r"null\.wav: is a character device, not a regular file$"):
        read_audio(tmp_path / "null.wav")


@pytest.mark.bad_input
def test_fifo_as_features_csv_or_labels(tmp_path):
    os.mkfifo(tmp_path / "f.csv")
    result = vgr("predict", "f.csv", cwd=tmp_path, timeout=60)
    assert result.returncode == 1
    assert stderr_lines(result) == ["vgr: error: f.csv: is a named pipe (FIFO), not a regular file"]
    (tmp_path / "a.flac").write_bytes((EXAMPLES / "male.flac").read_bytes())
    result = vgr("extract", "a.flac", "-o", "o.csv", "--labels", "f.csv", cwd=tmp_path, timeout=60)
    assert result.returncode == 1
    assert stderr_lines(result) == ["vgr: error: f.csv: cannot read labels (is a named pipe (FIFO), not a regular file)"]


@pytest.mark.bad_input
def test_a_device_or_pipe_as_output_is_written_into_never_replaced(tmp_path):
    """As root, renaming a finished file over ``-o /dev/null`` replaced the device itself with a regular file."""
    import stat
    import threading

    (tmp_path / "a.flac").write_bytes((EXAMPLES / "male.flac").read_bytes())
    for command in (["extract", "a.flac"], ["predict", "a.flac", "-f", "csv"], ["segment", "a.flac"]):
        (tmp_path / "out.csv").unlink(missing_ok=True)
        (tmp_path / "out.csv").symlink_to("/dev/null")  # the symlink stands in for the device: a rename replaces it
        result = vgr(*command, "-o", "out.csv", cwd=tmp_path)
        assert result.returncode == 0, stderr_lines(result)
        assert (tmp_path / "out.csv").is_symlink() and stat.S_ISCHR(os.stat(tmp_path / "out.csv").st_mode), command
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no partial or temporary left
    result = vgr("extract", "a.flac", "-o", "out.csv", "--resume", cwd=tmp_path)
    assert result.returncode == 1
    assert stderr_lines(result) == ["vgr: error: out.csv: is a device or a pipe: there is nothing to resume from"]

    os.mkfifo(tmp_path / "pipe.csv")
    received = []
    reader = threading.Thread(target=lambda: received.append((tmp_path / "pipe.csv").read_text()), daemon=True)
    reader.start()
    result = vgr("extract", "a.flac", "-o", "pipe.csv", cwd=tmp_path)
    reader.join(timeout=60)
    assert result.returncode == 0 and stat.S_ISFIFO(os.stat(tmp_path / "pipe.csv").st_mode)
    lines = received[0].splitlines()
    assert lines[0].startswith("file,meanfreq,") and len(lines) == 2 and lines[1].startswith("a.flac,")


@pytest.mark.bad_input
def test_a_folder_as_file_output_is_refused_before_any_work_even_with_force(tmp_path):
    (tmp_path / "a.flac").write_bytes((EXAMPLES / "male.flac").read_bytes())
    (tmp_path / "out").mkdir()
    for command in (["extract", "a.flac", "-o", "out"], ["predict", "a.flac", "-o", "out"],
                    ["segment", "a.flac", "-o", "out"], ["segment", "a.flac", "--plot", "out"]):
        result = vgr(*command, "--force", cwd=tmp_path)
        assert result.returncode == 1
        assert stderr_lines(result) == ["vgr: error: out: is a folder (name a file to write)"], command
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.flac", "out"] and not any((tmp_path / "out").iterdir())


# --- 2, 3: any file name survives extract -> predict / evaluate, and every message stays on one line ------

NAMES = {
    "female": ["cr\rname.flac", "x\xff.flac".encode("latin-1"), ' lead "quote".flac'],
    "male": ["lf\nname.flac", "comma,name.flac", "esc\x1b[31mred.flac"],
}


def hostile_corpus(root: Path) -> dict[bytes, str]:
    """The two examples under hostile names (bytes, so one is not UTF-8); name relative to root -> label."""
    expected = {}
    for label, names in NAMES.items():
        (root / label).mkdir(parents=True)
        for name in names:
            raw = name if isinstance(name, bytes) else name.encode()
            path = os.path.join(os.fsencode(root / label), raw)
            with open(path, "wb") as stream:
                stream.write((EXAMPLES / f"{label}.flac").read_bytes())
            expected[label.encode() + b"/" + raw] = label
    return expected


def read_csv_bytes(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.bad_input
def test_hostile_names_round_trip_through_extract_predict_and_evaluate(tmp_path):
    expected = hostile_corpus(tmp_path / "corpus")
    result = vgr("extract", "corpus", "-o", "features.csv", "-w", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = read_csv_bytes(tmp_path / "features.csv")
    assert {os.fsencode(row["file"]): row["label"] for row in rows} == expected

    result = vgr("predict", "features.csv", "-f", "csv", "-o", "predictions.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    predicted = {os.fsencode(row["file"]): row["label"] for row in read_csv_bytes(tmp_path / "predictions.csv")}
    assert predicted == expected

    result = vgr("predict", "corpus", "-f", "json", "-w", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert {os.fsencode(row["file"]): row["label"] for row in json.loads(result.stdout)} == expected

    result = vgr("predict", "corpus", "-f", "csv", "-w", "1", cwd=tmp_path)  # stdout: the names' own bytes
    assert result.returncode == 0, result.stderr
    on_stdout = csv.DictReader(io.StringIO(result.stdout.decode("utf-8", "surrogateescape"), newline=""))
    assert {os.fsencode(row["file"]): row["label"] for row in on_stdout} == expected

    result = vgr("evaluate", "features.csv", "-o", "evaluated.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "accuracy: 100.00%" in result.stdout.decode()
    evaluated = read_csv_bytes(tmp_path / "evaluated.csv")
    assert {os.fsencode(row["file"]): row["predicted"] for row in evaluated} == expected

    result = vgr("predict", "corpus", "-w", "1", cwd=tmp_path)  # the table on a (non-)terminal
    assert result.returncode == 0 and "x\\xff.flac" in result.stdout.decode() and "\x1b[31m" not in result.stdout.decode()


@pytest.mark.bad_input
def test_a_failing_file_with_a_newline_in_its_name_is_reported_on_one_line(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "bad\nname\r.wav").write_bytes(b"not audio at all")
    (folder / b"x\xff.wav".decode("utf-8", "surrogateescape")).write_bytes(b"")
    for command in (["predict", "d", "-w", "1"], ["extract", "d", "-o", "o.csv", "-w", "1"]):
        result = vgr(*command, cwd=tmp_path)
        assert result.returncode == 1
        lines = stderr_lines(result)
        assert any(line.endswith("bad\\nname\\r.wav: cannot decode audio (Format not recognised.)") for line in lines)
        assert any(line.endswith("x\\xff.wav: empty file (0 bytes)") for line in lines)


# --- 6: a small, wide, fast file decodes into bounded memory -----------------------------------------------

def wide_flac(path: Path, rate: int, channels: int = 8, seconds: float = 20.0, tone: bool = True,
              f0: float = 150) -> Path:
    """A voice-like tone (or silence) in the left channel, silence in the others; written one second at a
    time, so that the test itself stays small."""
    with soundfile.SoundFile(str(path), "w", rate, channels, "PCM_16", format="FLAC") as sound:
        for start in range(0, int(seconds * rate), rate):
            count = min(rate, int(seconds * rate) - start)
            block = np.zeros((count, channels))
            if tone:
                t = (start + np.arange(count)) / rate
                block[:, 0] = 0.4 * np.sign(np.sin(2 * np.pi * f0 * t)) * np.abs(np.sin(2 * np.pi * f0 * t)) ** 3
            sound.write(block)
    return path


def test_only_the_left_channel_of_the_first_20_s_is_kept(tmp_path):
    path = wide_flac(tmp_path / "wide.flac", 48000, channels=8, seconds=21)
    audio = read_audio(path)
    assert audio.samples.shape == (20 * 48000,) and audio.samples.dtype == np.float64
    assert audio.samples.flags.owndata and audio.samples.base is None  # no view into an 8-channel block
    expected = soundfile.read(str(path), frames=20 * 48000, always_2d=True)[0][:, 0] * 2.0**15
    np.testing.assert_array_equal(audio.samples, expected)
    assert audio.total_seconds == pytest.approx(21)


@pytest.mark.bad_input
def test_the_issue_worst_case_is_refused_before_decoding(tmp_path):
    """8 channels at 655,350 Hz, 20 s: 113 kB of FLAC that decoded to 850 MB of float64 before the fix."""
    path = wide_flac(tmp_path / "worst.flac", 655_350, tone=False)
    assert path.stat().st_size < 200_000
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the (large) pytest parent across exec.
    code = ("import vgr.features.audio as a\n"
            "try:\n    a.read_audio(%r)\nexcept Exception as e:\n    print(e)\n"
            "print([int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')][0] // 1024)"
            % str(path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout.splitlines()
    assert out[0] == f"{path}: sample rate 655350 Hz is not supported (the highest is {MAX_SAMPLE_RATE} Hz)"
    assert int(out[1]) < 200  # MB: the interpreter and numpy, nothing decoded


# --- 7: the highest supported rate is analysed, one more is refused with a clear message -------------------

def test_the_highest_sample_rate_is_analysed(tmp_path):
    # At 192 kHz a 2048-sample frame holds pitch periods of 187-280 Hz only (seewave's fund, as in R).
    path = wide_flac(tmp_path / "top.flac", MAX_SAMPLE_RATE, channels=2, seconds=1, f0=250)
    features = extract_features(path)
    assert features["meanfun"] == pytest.approx(0.250, rel=0.02)


@pytest.mark.bad_input
@pytest.mark.parametrize("rate", [MAX_SAMPLE_RATE + 1, 286_720, 384_000])
def test_a_rate_above_the_highest_is_refused(rate):
    with pytest.raises(AudioError, match=rf"^sample rate {rate} Hz is not supported \(the highest is 192000 Hz\)$"):
        extract_features(harmonic_tone(150, rate, 0.1), rate)


@pytest.mark.bad_input
def test_a_rate_above_the_highest_on_the_command_line(tmp_path):
    wide_flac(tmp_path / "fast.flac", 286_720, channels=1, seconds=0.5)
    result = vgr("predict", "fast.flac", cwd=tmp_path)
    assert result.returncode == 1
    assert stderr_lines(result) == [f"vgr: fast.flac: sample rate 286720 Hz is not supported (the highest is {MAX_SAMPLE_RATE} Hz)"]


# --- 9: the MP3 decoder's own messages are silenced; mostly corrupt frames are an error -------------------

def garbage_mp3(path: Path, frames: int = 500) -> Path:
    """MPEG-1 Layer III frame headers (128 kbit/s, 44.1 kHz) with random payloads."""
    rng = np.random.default_rng(0)
    path.write_bytes(b"".join(bytes.fromhex("fffb9064") + rng.bytes(417 - 4) for _ in range(frames)))
    return path


@pytest.mark.bad_input
def test_mp3_of_random_frames_is_one_line_and_not_a_prediction(tmp_path):
    garbage_mp3(tmp_path / "noise.mp3")
    result = vgr("predict", "noise.mp3", cwd=tmp_path)
    assert result.returncode == 1
    lines = stderr_lines(result)
    assert len(lines) == 1 and "libmpg123" not in result.stderr.decode()
    assert lines[0].startswith("vgr: noise.mp3: cannot decode audio (the decoder reported ")
    assert lines[0].endswith(" in 500 MPEG frames)")


def test_a_clean_mp3_is_analysed_silently(tmp_path, capfd):
    path = tmp_path / "voice.mp3"
    soundfile.write(str(path), harmonic_tone(150, RATE, 3), RATE, format="MP3", subtype="MPEG_LAYER_III")
    assert extract_features(path)["meanfun"] == pytest.approx(0.150, rel=0.03)
    assert capfd.readouterr().err == ""


@pytest.mark.bad_input
def test_segment_refuses_an_mp3_of_random_frames_as_predict_does_and_goes_on(tmp_path):
    garbage_mp3(tmp_path / "noise.mp3")
    samples, rate = soundfile.read(EXAMPLES / "male.flac")
    soundfile.write(str(tmp_path / "male.mp3"), samples, rate, format="MP3", subtype="MPEG_LAYER_III")
    result = vgr("segment", "noise.mp3", "male.mp3", "-o", "out.csv", cwd=tmp_path)
    assert result.returncode == 1
    lines = stderr_lines(result)
    assert "libmpg123" not in result.stderr.decode()
    assert lines[0].startswith("vgr: noise.mp3: cannot decode audio (the decoder reported ")
    assert lines[0].endswith(" in 500 MPEG frames)")
    assert len(lines) == 2 and lines[1].startswith("vgr: male.mp3: ")  # the clean MP3's summary, nothing more
    with open(tmp_path / "out.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert rows and {row["file"] for row in rows} == {"male.mp3"}
    male = sum(float(r["end"]) - float(r["start"]) for r in rows if r["label"] == "male")
    assert male > 0.9 * sum(float(r["end"]) - float(r["start"]) for r in rows)
