"""Shared fixtures: the ../shared folder CI puts beside the checkout, and tiny generated WAVs.

Under ``CI=true`` nothing may be missing: a run without ``../shared`` stops before any test, and a test that
skips (a missing extra, Chromium, ...) is reported as failed, so a green CI run means every test ran.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REFERENCE_CORPORA = ("real", "librispeech-test-other", "variants", "speakers")


def harmonic_tone(f0: float, sample_rate: int, seconds: float, harmonics: int = 8) -> np.ndarray:
    """A voice-like periodic signal: decaying harmonics of f0, peak 0.5."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    signal = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, harmonics + 1) if f0 * k < sample_rate / 2)
    return 0.5 * signal / np.abs(signal).max()


def one_network_per_fold(**settings):
    """TrainingSettings of the tests' small fits: all 20 columns, standard scaling, one network per fold, no refit,
    batch 128, no kernel models, so they do not follow the `vgr train` default recipe (bench/train.py measures
    that)."""
    from vgr.features.names import FEATURE_NAMES
    from vgr.models.training import TrainingSettings

    return TrainingSettings(**{"features": FEATURE_NAMES, "scaling": "standard", "members_per_fold": 1, "refit": False,
                               "batch_size": 128, "kernel_weight": 0.0, **settings})


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def missing_shared() -> str | None:
    """Why ../shared cannot be used, or None when it can."""
    if not SHARED.is_dir():
        return f"{SHARED} is not there (CI places shared/ beside the checkout)"
    absent = [name for name in ("data/voice.csv", "audio/real/labels.csv", "reference") if not (SHARED / name).exists()]
    return f"{SHARED} lacks {', '.join(absent)}" if absent else None


def synthetic_voice_rows(rows: int, seed: int = 0):
    """A voice.csv-like DataFrame (the 20 columns, then ``label``; male rows first, as in voice.csv).

    Each row is its class's voice.csv median times a log-normal factor (sigma 0.15 per cell), so the classes
    overlap a little in every column and a small network separates them well but not perfectly.
    """
    import json
    from importlib.resources import files

    import pandas as pd

    from vgr.features.names import FEATURE_NAMES

    medians = json.loads((files("vgr") / "serve" / "medians.json").read_text())
    rng = np.random.default_rng(seed)
    frames = []
    for label, count in (("male", rows - rows // 2), ("female", rows // 2)):
        centre = np.array([medians[label][name] for name in FEATURE_NAMES])
        values = centre * np.exp(0.15 * rng.standard_normal((count, len(FEATURE_NAMES))))
        frame = pd.DataFrame(values, columns=list(FEATURE_NAMES))
        frame["label"] = label
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def voiced_folder(folder: Path, count: int = 4) -> Path:
    """``count`` short harmonic-tone WAVs (male-range and female-range pitches) in ``folder``."""
    import soundfile

    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        f0 = (110, 210, 130, 190)[index % 4] + 3 * index
        soundfile.write(str(folder / f"tone_{index:02d}.wav"), harmonic_tone(f0, 16000, 1.0 + 0.25 * index), 16000)
    return folder


EXAMPLES = Path(__file__).resolve().parents[1] / "vgr" / "examples"  # the bundled LibriSpeech male and female


@pytest.fixture(scope="session")
def shared() -> Path:
    reason = missing_shared()
    if reason:
        if in_ci():
            pytest.fail(f"CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    return SHARED


@pytest.fixture
def write_wav(tmp_path):
    """write_wav(name, samples, rate, subtype='PCM_16') -> Path of a WAV in tmp_path."""
    import soundfile

    def write(name: str, samples, rate: int, subtype: str = "PCM_16") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(str(path), np.asarray(samples), rate, subtype=subtype)
        return path

    return write


def pytest_configure(config):
    config.addinivalue_line("markers", "bad_input: a hostile or broken input that vgr must handle cleanly")


def pytest_sessionstart(session):
    """Under CI=true a checkout without ../shared is an error, not ~50 silent skips."""
    reason = missing_shared()
    if reason and in_ci():
        raise pytest.UsageError(f"CI=true: {reason}; the parity, training and model tests need it")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skipped test is a failed one: CI must not pass on what it did not run."""
    outcome = yield
    report = outcome.get_result()
    if in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"CI=true: skipped tests fail the run ({reason})"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """The same for a whole module skipped at import (pytest.importorskip, allow_module_level)."""
    outcome = yield
    report = outcome.get_result()
    if in_ci() and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"CI=true: skipped modules fail the run ({reason})"


def pytest_terminal_summary(terminalreporter):
    """Print how many bad inputs were tried and how many were handled.

    A bad-input test is handled when its call passed; one whose fixture (setup) or teardown errored counts as
    tried and not handled, so a broken fixture cannot make a test vanish from the count.
    """
    outcomes: dict[str, bool] = {}
    for outcome in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if "bad_input" not in getattr(report, "keywords", {}) or not hasattr(report, "when"):
                continue
            if report.when == "call":
                outcomes[report.nodeid] = outcomes.get(report.nodeid, True) and report.passed
            elif report.failed:
                outcomes[report.nodeid] = False
    if outcomes:
        handled = sum(outcomes.values())
        terminalreporter.write_line(f"bad inputs: {len(outcomes)} tried, {handled} handled")
    fftw = sys.modules.get("vgr.features.fftw")
    if fftw is not None and fftw.transform.cache_info().currsize:  # only if some test broke a dominant tie
        terminalreporter.write_line(f"dominant-frequency ties: {fftw.path()}")
