"""Hostile and broken audio: one clear error naming the file, or 20 finite numbers; never a crash."""

from __future__ import annotations

import csv
import os
import select
import shutil
import signal
import tempfile
from pathlib import Path

import numpy as np
import pytest
import soundfile
from typer.testing import CliRunner

from tests.conftest import harmonic_tone
from vgr.cli import app
from vgr.errors import AudioError
from vgr.features import FEATURE_NAMES, compute_features, extract_features

pytestmark = pytest.mark.bad_input
runner = CliRunner()
RATE = 16000


def voiced(seconds=1.0):
    return harmonic_tone(150, RATE, seconds)


def make(tmp_path, name, samples=None, rate=RATE, subtype="PCM_16", raw: bytes | None = None):
    path = tmp_path / name
    if raw is not None:
        path.write_bytes(raw)
    else:
        soundfile.write(str(path), np.asarray(samples), rate, subtype=subtype)
    return path


def wav_bytes(tmp_path, samples, rate=RATE):
    return make(tmp_path, "source.wav", samples, rate).read_bytes()


ERRORS = {
    "empty.wav": (lambda t: make(t, "empty.wav", raw=b""), "empty file (0 bytes)"),
    "header_only.wav": (lambda t: make(t, "header_only.wav", raw=wav_bytes(t, voiced())[:44]),
                        "too short: 0 samples, need at least 2049 (0.128 s)"),
    "random.wav": (lambda t: make(t, "random.wav", raw=np.random.default_rng(0).bytes(5000)),
                   "cannot decode audio (Format not recognised.)"),
    "text.wav": (lambda t: make(t, "text.wav", raw=b"this is not a recording\n"), "cannot decode audio (Format not recognised.)"),
    "zero_length.wav": (lambda t: make(t, "zero_length.wav", np.zeros(0)), "too short: 0 samples, need at least 2049 (0.128 s)"),
    "one_frame.wav": (lambda t: make(t, "one_frame.wav", voiced()[:2048]), "too short: 2048 samples, need at least 2049 (0.128 s)"),
    "zeros.wav": (lambda t: make(t, "zeros.wav", np.zeros(RATE)), "no voiced audio (the signal is constant)"),
    "dc.wav": (lambda t: make(t, "dc.wav", np.full(RATE, 0.25)), "no voiced audio (the signal is constant)"),
    "nan.wav": (lambda t: make(t, "nan.wav", np.where(np.arange(RATE) == 10, np.nan, voiced()), subtype="FLOAT"),
                "signal contains NaN or infinite samples"),
    "inf.wav": (lambda t: make(t, "inf.wav", np.where(np.arange(RATE) == 10, np.inf, voiced()), subtype="FLOAT"),
                "signal contains NaN or infinite samples"),
    "one_hz.wav": (lambda t: make(t, "one_hz.wav", np.random.default_rng(0).uniform(-0.5, 0.5, 100), rate=1),
                   "sample rate 1 Hz is not supported (need a whole number >= 2001)"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_bad_file_gives_one_line_error_naming_it(tmp_path, name):
    build, reason = ERRORS[name]
    path = build(tmp_path)
    with pytest.raises(AudioError) as caught:
        extract_features(path)
    assert str(caught.value) == f"{path}: {reason}"


def test_folder_named_like_audio(tmp_path):
    folder = tmp_path / "x.wav"
    folder.mkdir()
    with pytest.raises(AudioError, match=r"x\.wav: is a directory, not an audio file$"):
        extract_features(folder)


def test_broken_symlink(tmp_path):
    link = tmp_path / "broken.wav"
    link.symlink_to(tmp_path / "gone.wav")
    with pytest.raises(AudioError) as caught:
        extract_features(link)
    assert str(caught.value) == f"{link}: broken symbolic link"


def unprivileged(function, *args) -> str:
    """``str(function(*args))`` or the error it raised, run as a user without root's rights (no mock).

    Root reads any file, so under root the call runs in a forked child that first drops to uid/gid 65534
    ("nobody"); the parent waits at most 60 s for its one-line answer.
    """
    def call() -> str:
        try:
            return str(function(*args))
        except Exception as error:  # noqa: BLE001 - the answer is compared by the caller
            return f"{type(error).__name__}: {error}"

    if os.geteuid() != 0:
        return call()
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            os.close(reader)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            os.write(writer, call().encode())
        finally:
            os._exit(0)
    os.close(writer)
    try:
        ready, _, _ = select.select([reader], [], [], 60)
        assert ready, "the unprivileged child gave no answer within 60 s"
        with os.fdopen(reader, "rb") as stream:
            return stream.read().decode()
    finally:
        if not ready:
            os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


def test_unreadable_file_is_refused_by_the_system(tmp_path):
    """A mode-000 file opened by an unprivileged process: the real EACCES path, not a mocked open()."""
    folder = Path(tempfile.mkdtemp(prefix="vgr-locked-"))  # /tmp/pytest-of-root is closed to other users
    try:
        folder.chmod(0o755)
        path = make(folder, "locked.wav", voiced())
        extract_features(path)  # readable now (and every lazy import done before the fork)
        path.chmod(0)
        assert unprivileged(extract_features, path) == f"UnreadableAudioError: {path}: cannot open (Permission denied)"
    finally:
        shutil.rmtree(folder)


def test_truncated_data_analyses_what_is_there(tmp_path):
    whole = wav_bytes(tmp_path, voiced(2.0))
    path = make(tmp_path, "truncated.wav", raw=whole[: len(whole) // 2])
    assert extract_features(path) == compute_features(soundfile.read(str(path), dtype="int16")[0].astype(float), RATE)


@pytest.mark.parametrize(
    "name, samples, rate, subtype",
    [
        ("click.wav", np.where(np.arange(RATE) == RATE // 2, 0.9, 0.0), RATE, "PCM_16"),
        ("square.wav", np.sign(np.sin(2 * np.pi * 150 * np.arange(2 * RATE) / RATE)), RATE, "PCM_16"),
        ("rate_192k.wav", harmonic_tone(150, 192000, 1.0), 192000, "PCM_16"),
        ("six_channels.wav", np.stack([voiced()] * 6, axis=1), RATE, "PCM_16"),
        ("unsigned_8bit.wav", voiced(), RATE, "PCM_U8"),
        ("naïve vöice – ünïcode.wav", voiced(), RATE, "PCM_16"),
        ("name with  spaces .wav", voiced(), RATE, "PCM_16"),
    ],
)
def test_odd_but_valid_audio_gives_20_finite_numbers(tmp_path, name, samples, rate, subtype):
    features = extract_features(make(tmp_path, name, np.clip(samples, -1, 0.999), rate, subtype))
    assert list(features) == list(FEATURE_NAMES)
    assert all(np.isfinite(value) for value in features.values())


def test_one_hour_file_costs_what_20_seconds_cost(tmp_path):
    path = tmp_path / "hour.wav"
    minute = np.round(voiced(60.0) * 20000).astype(np.int16)
    with soundfile.SoundFile(str(path), "w", RATE, 1, "PCM_16") as sound:
        for _ in range(60):
            sound.write(minute)
    assert soundfile.info(str(path)).duration == pytest.approx(3600)
    assert extract_features(path) == compute_features(minute[: 20 * RATE].astype(float), RATE)


def test_random_finite_signals_give_numbers_or_a_typed_error():
    rng = np.random.default_rng(42)
    analysed = refused = 0
    for trial in range(40):
        n = int(rng.integers(1000, 40000))
        kind = trial % 4
        signal = [rng.standard_normal(n), rng.uniform(-1, 1, n) ** 9, np.cumsum(rng.standard_normal(n)),
                  np.where(rng.random(n) < 0.001, rng.standard_normal(n), 0.0)][kind] * 10 ** rng.uniform(-6, 6)
        try:
            features = compute_features(signal, int(rng.choice([8000, 16000, 44100])))
        except AudioError as error:
            assert "too short" in str(error) or "no voiced audio" in str(error), (trial, error)
            refused += 1
            continue
        assert all(np.isfinite(v) for v in features.values()), (trial, features)
        analysed += 1
    # With this seed 39 of 40 give numbers (one is under 2049 samples); a few more refusals would still be fine.
    assert analysed >= 36, f"only {analysed} of 40 random signals gave features ({refused} refused)"


def test_extract_keeps_the_good_rows_and_names_each_bad_file(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name, (build, _) in ERRORS.items():
        build(folder)
    (folder / "source.wav").unlink()
    make(folder, "good_a.wav", voiced())
    make(folder, "good_b.wav", harmonic_tone(220, RATE, 1.0))
    out = tmp_path / "features.csv"
    result = runner.invoke(app, ["extract", str(folder), "-o", str(out), "-w", "2"])
    assert result.exit_code == 1
    with open(out, newline="") as stream:
        assert [row["file"] for row in csv.DictReader(stream)] == ["good_a.wav", "good_b.wav"]
    for name, (_, reason) in ERRORS.items():
        assert f"vgr: {folder / name}: {reason}" in result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    assert f"2 files extracted, {len(ERRORS)} failed" in result.stderr
